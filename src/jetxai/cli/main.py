"""Entry point: ``jetxai <command> [options]``; bad input → one line on stderr, exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from jetxai import __version__
from jetxai.cli import demo, explain, features, generate, train
from jetxai.cli._parser import Parser
from jetxai.errors import InputError

COMMANDS = (generate, features, train, explain, demo)


def build_parser() -> Parser:
    """The full ``jetxai`` parser with every sub-command."""
    parser = Parser(
        prog="jetxai",
        description="Train jet taggers on simulated collisions and explain what they learned.",
    )
    parser.add_argument("--version", action="version", version=f"jetxai {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (InputError, OSError) as exc:
        if args.debug:
            raise
        message = str(exc) if isinstance(exc, InputError) else f"{exc.__class__.__name__}: {exc}"
        print(f"jetxai {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"jetxai {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
