"""``jetxai study``: the event-level case study (train, explain with every baseline, score)."""

from __future__ import annotations

import argparse

from jetxai.cli._parser import path_text, positive_int

NAME = "study"
HELP = "event-level case study: heavy-quark signal vs weighted backgrounds, explained"

EXAMPLES = """examples:
  jetxai generate --level event --process vlq --n-events 5000 --out data/vlq
  jetxai generate --level event --process ttbar --n-events 5000 --out data/ttbar
  jetxai generate --level event --process wjets --n-events 2500 --out data/wjets
  jetxai study --data data/vlq --data data/ttbar --data data/wjets --out study
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=(
            "Train a seed ensemble of dense networks on the event features of the event-level "
            "datasets given with --data (signal vlq, backgrounds weighted by cross-section, "
            "classes balanced), explain each on its test signal events with IG (zero = the "
            "standardised origin, blank = the physically empty event, mean, median, averaged "
            "background baselines uniform per process and by cross-section) "
            "and LRP, and write results.json, study.md, ranked attribution figures and the report "
            "page to --out. "
            "Re-running reuses the trained networks."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", required=True, action="append", help="event dataset (repeat)")
    parser.add_argument("--out", type=path_text, required=True, help="output directory")
    parser.add_argument("--seeds", type=positive_int, default=3, help="networks (default 3)")
    parser.add_argument("--epochs", type=positive_int, default=30, help="maximum epochs")
    parser.add_argument(
        "--n-explain", type=positive_int, default=1000, help="test signal events explained"
    )
    parser.add_argument(
        "--n-background", type=positive_int, default=2000, help="background events for baselines"
    )
    parser.add_argument("--n-steps", type=positive_int, default=32, help="IG quadrature points")
    parser.add_argument("--k", type=positive_int, default=16, help="draws per averaged baseline")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    from jetxai.studies.event_study import run_event_study

    study = run_event_study(
        args.data,
        args.out,
        seeds=args.seeds,
        epochs=args.epochs,
        n_explain=args.n_explain,
        n_background=args.n_background,
        n_steps=args.n_steps,
        k=args.k,
        progress=not args.quiet,
    )
    from jetxai.evaluate.seeds import plus_minus

    auc = study["classifier"]["auc"]
    eff = study["classifier"]["efficiency_0.01"]
    print(f"AUC {plus_minus(auc, 4)}, eps_S at eps_B = 1%: {plus_minus(eff, 3)}")
    for name, entry in study["explanations"].items():
        print(f"{name}: {', '.join(entry['ranking'][:3])}")
    print(f"wrote {args.out}/results.json, {args.out}/study.md, figures and {args.out}/report")
