"""``jetxai demo``: an explained top tagger from nothing, with its report."""

from __future__ import annotations

import argparse
import time

from jetxai.cli._parser import comma_list, path_text, positive_int

NAME = "demo"
HELP = "generate, train, explain and report a top tagger in one command"

EXAMPLES = """examples:
  jetxai demo                      # default study (a few minutes on 2 cores) into demo/
  jetxai demo --quick --out quick  # small study for a smoke test
  jetxai import top-landscape train.h5 val.h5 test.h5 --out data/tl
  jetxai demo --data data/tl --out tl  # the same study on public data
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=(
            "Generate top and QCD jets, compute XAUG variables, train an XAUG dnn, a PFN and a "
            "PFN + XAUG over two seeds, explain them with LRP and IG, and write "
            "DIR/report/index.html and DIR/report/metrics.json. Finished steps are reused."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out", type=path_text, default="demo", help="study directory (default demo)"
    )
    parser.add_argument("--quick", action="store_true", help="small samples, few epochs")
    parser.add_argument("--workers", type=positive_int, default=2, help="generation workers")
    parser.add_argument(
        "--data",
        action="append",
        type=path_text,
        help="run the study on this dataset instead of generating (repeatable; e.g. one made "
        "by jetxai import); XAUG columns are added to it",
    )
    parser.add_argument(
        "--signal",
        type=comma_list,
        help="comma-separated processes of --data counted as signal (default: every process "
        "but qcd/gluon)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.set_defaults(run=run_demo_command)


def run_demo_command(args: argparse.Namespace) -> None:
    from jetxai.studies import run_demo

    start = time.perf_counter()
    page = run_demo(
        args.out,
        quick=args.quick,
        workers=args.workers,
        progress=not args.quiet,
        data=args.data,
        signal=args.signal,
    )
    print(f"report: {page} (took {time.perf_counter() - start:.0f} s)")
