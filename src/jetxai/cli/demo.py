"""``jetxai demo`` and ``jetxai report``: an explained top tagger from nothing, and its page."""

from __future__ import annotations

import argparse
import time

from jetxai.cli._parser import positive_int

EXAMPLES = """examples:
  jetxai demo                      # default study (a few minutes on 2 cores) into demo/
  jetxai demo --quick --out quick  # small study for a smoke test
  jetxai report --study demo       # rebuild the page of a finished study
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="generate, train, explain and report a top tagger in one command",
        description=(
            "Generate top and QCD jets, compute XAUG variables, train an XAUG dnn, a PFN and a "
            "PFN + XAUG over two seeds, explain them with LRP and IG, and write "
            "DIR/report/index.html and DIR/report/metrics.json. Finished steps are reused."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", default="demo", help="study directory (default demo)")
    parser.add_argument("--quick", action="store_true", help="small samples, few epochs")
    parser.add_argument("--workers", type=positive_int, default=2, help="generation workers")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.set_defaults(run=run_demo_command)

    report = subparsers.add_parser(
        "report",
        help="build the HTML report of a study directory",
        description="Write STUDY/report/index.html and STUDY/report/metrics.json.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("--study", required=True, help="study directory (as written by demo)")
    report.set_defaults(run=run_report_command)


def run_demo_command(args: argparse.Namespace) -> None:
    from jetxai.report import run_demo

    start = time.perf_counter()
    page = run_demo(args.out, quick=args.quick, workers=args.workers, progress=not args.quiet)
    print(f"report: {page} (took {time.perf_counter() - start:.0f} s)")


def run_report_command(args: argparse.Namespace) -> None:
    from jetxai.report import build_report

    print(f"report: {build_report(args.study)}")
