"""``jetxai generate``: simulate truth-labelled jets into a Parquet dataset."""

from __future__ import annotations

import argparse

from jetxai.cli._parser import positive_int

NAME = "generate"
HELP = "simulate truth-labelled jets with Pythia 8 + FastJet"

EXAMPLES = """examples:
  jetxai generate --process top --n-jets 10000 --seed 1 --out data/top
  jetxai generate --process qcd --n-jets 10000 --seed 2 --out data/qcd --workers 2
  jetxai generate --process w --n-jets 500 --out data/w --pt-min 300 --pt-max 400
  jetxai generate --process top --n-jets 1000 --out data/top --scheduler tcp://127.0.0.1:8786
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from jetxai.generate.processes import PROCESSES

    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=(
            "Generate exactly N jets passing the selection (anti-kT, |eta|, pT window) into a "
            "dataset directory of Parquet chunks plus manifest.json. Re-running into the same "
            "directory resumes: only missing chunks are generated."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--process", required=True, choices=sorted(PROCESSES))
    parser.add_argument("--n-jets", required=True, type=int, help="jets to store")
    parser.add_argument("--out", required=True, help="dataset directory")
    parser.add_argument("--seed", type=int, default=1, help="base random seed (default 1)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=positive_int, default=1, help="local Dask worker processes (default 1)"
    )
    where.add_argument("--scheduler", help="address of a running Dask scheduler")
    kin = parser.add_argument_group("selection and physics")
    kin.add_argument("--pt-min", type=float, default=550.0, help="jet pT lower edge, GeV")
    kin.add_argument("--pt-max", type=float, default=650.0, help="jet pT upper edge, GeV")
    kin.add_argument("--eta-max", type=float, default=2.0, help="jets need |eta| below this")
    kin.add_argument("--radius", type=float, default=0.8, help="anti-kT R (default 0.8)")
    kin.add_argument("--sqrt-s", type=float, default=14_000.0, help="collision energy, GeV")
    kin.add_argument("--pthat-min", type=float, help="Pythia pT-hat lower edge, GeV")
    kin.add_argument("--pthat-max", type=float, help="Pythia pT-hat upper edge, GeV")
    kin.add_argument(
        "--pythia",
        action="append",
        default=[],
        metavar='"KEY = VALUE"',
        help="extra Pythia setting (repeatable)",
    )
    run = parser.add_argument_group("execution")
    run.add_argument("--chunk-size", type=int, default=2_000, help="jets per chunk file")
    run.add_argument("--batch-size", type=int, default=100, help="events per Pythia batch")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    from jetxai.generate import GeneratorConfig, generate

    config = GeneratorConfig(
        process=args.process,
        n_jets=args.n_jets,
        seed=args.seed,
        sqrt_s=args.sqrt_s,
        radius=args.radius,
        eta_max=args.eta_max,
        pt_min=args.pt_min,
        pt_max=args.pt_max,
        pthat_min=args.pthat_min,
        pthat_max=args.pthat_max,
        chunk_size=args.chunk_size,
        batch_size=args.batch_size,
        pythia=tuple(args.pythia),
    )
    manifest = generate(
        config, args.out, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet
    )
    print(
        f"wrote {manifest['jets_kept']} {args.process} jets from {manifest['events_tried']} "
        f"events (sigma = {manifest['cross_section_pb']:.4g} pb) to {args.out}"
    )
