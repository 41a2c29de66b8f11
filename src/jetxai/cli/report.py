"""``jetxai report``: rebuild the HTML report of a study directory."""

from __future__ import annotations

import argparse

from jetxai.cli._parser import path_text

NAME = "report"
HELP = "build the HTML report of a study directory"

EXAMPLES = """examples:
  jetxai report --study demo       # rebuild the page of a finished study
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description="Write STUDY/report/index.html and STUDY/report/metrics.json.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--study", type=path_text, required=True, help="study directory (as written by demo)"
    )
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    from jetxai.report import build_report

    print(f"report: {build_report(args.study)}")
