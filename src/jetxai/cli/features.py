"""``jetxai features``: add XAUG columns to a dataset."""

from __future__ import annotations

import argparse

from jetxai.features.nsubjettiness import AXES, DEFAULT_AXES

NAME = "features"
HELP = "add XAUG (expert) variables as columns to a dataset"

EXAMPLES = """examples:
  jetxai features --data data/top
  jetxai features --data data/qcd --xaug mass,tau32,d2
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=(
            "Compute XAUG variables chunk by chunk and store them as xaug_<name> columns; each "
            "chunk is replaced atomically, and a re-run finishes whatever is missing."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data", required=True, action="append", help="dataset directory (repeatable)"
    )
    parser.add_argument("--xaug", help="comma-separated variable names (default: all)")
    parser.add_argument(
        "--tau-axes",
        default=DEFAULT_AXES,
        choices=list(AXES),
        help=f"N-subjettiness axes (default: {DEFAULT_AXES}); columns made with other axes "
        "are recomputed",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    from jetxai.features import add_xaug

    names = [n.strip() for n in args.xaug.split(",") if n.strip()] if args.xaug else None
    for root in args.data:
        manifest = add_xaug(root, names, progress=not args.quiet, tau_axes=args.tau_axes)
        print(f"{root}: {len(manifest['xaug'])} XAUG columns")
