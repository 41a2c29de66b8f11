"""Entry point: ``jetxai <command> [options]``; bad input → one line on stderr, exit code 2."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

from jetxai import __version__
from jetxai.cli import (
    demo,
    evaluate,
    explain,
    export,
    features,
    generate,
    import_,
    report,
    study,
    train,
)
from jetxai.cli._parser import Parser, config_tokens
from jetxai.errors import InputError

COMMANDS = (generate, import_, features, train, evaluate, explain, export, study, demo, report)


def build_parser(selected: str | None = None) -> tuple[Parser, dict[str, Parser]]:
    """The ``jetxai`` parser. Only the ``selected`` sub-command is built in full (its options
    may need registries that import torch); the others carry just their one-line help."""
    parser = Parser(
        prog="jetxai",
        description="Train jet taggers on simulated collisions and explain what they learned.",
    )
    parser.add_argument("--version", action="version", version=f"jetxai {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        if selected == command.NAME:
            command.add_parser(subparsers)
        else:
            subparsers.add_parser(command.NAME, help=command.HELP)
    commands: dict[str, Parser] = dict(subparsers.choices)
    for name, sub in commands.items():
        if name != "train":  # train's --config maps onto its training options (see its help)
            sub.add_argument(
                "--config",
                help="YAML mapping of this command's options (flags given on the command line win)",
            )
    return parser, commands


def _expand_config(argv: list[str], commands: dict[str, Parser]) -> list[str]:
    """Replace ``--config FILE`` of a sub-command by the options the file holds, placed before
    the command-line flags so those win."""
    position = next((i for i, token in enumerate(argv) if token in commands), None)
    if position is None or argv[position] == "train" or "--config" not in argv[position:]:
        return argv
    at = argv.index("--config", position)
    if at + 1 >= len(argv):
        return argv  # argparse reports the missing value
    tokens = config_tokens(commands[argv[position]], argv[at + 1])
    rest = argv[position + 1 : at] + argv[at + 2 :]
    return argv[: position + 1] + tokens + rest


def _one_line_warning(message: Warning | str, category: type[Warning], *_: object) -> str:
    return f"jetxai: {category.__name__}: {message}\n"


def _end_progress_bars() -> None:
    """Close every progress bar still open (an error left it), so the error that follows starts
    on a line of its own instead of the bar's."""
    from tqdm import tqdm

    for bar in list(getattr(tqdm, "_instances", ())):
        bar.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    warnings.formatwarning = _one_line_warning  # type: ignore[assignment]
    raw = list(sys.argv[1:] if argv is None else argv)
    names = {command.NAME for command in COMMANDS}
    parser, commands = build_parser(next((token for token in raw if token in names), None))
    try:
        raw = _expand_config(raw, commands)
    except InputError as exc:
        print(f"jetxai: error: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(raw)
    try:
        args.run(args)
    except (InputError, OSError) as exc:
        if args.debug:
            raise
        message = str(exc) if isinstance(exc, InputError) else f"{exc.__class__.__name__}: {exc}"
        _end_progress_bars()
        print(f"jetxai {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _end_progress_bars()
        print(f"jetxai {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
