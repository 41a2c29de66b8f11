"""``jetxai generate``: simulate truth-labelled jets or selected events into a Parquet dataset."""

from __future__ import annotations

import argparse
from typing import Any

from jetxai.cli._parser import counted, path_text, positive_int

NAME = "generate"
HELP = "simulate truth-labelled jets or selected events with Pythia 8 + FastJet"

EXAMPLES = """examples:
  jetxai generate --process top --n-jets 10000 --seed 1 --out data/top
  jetxai generate --process qcd --n-jets 10000 --seed 2 --out data/qcd --workers 2
  jetxai generate --process w --n-jets 500 --out data/w --pt-min 300 --pt-max 400
  jetxai generate --process top --n-jets 10000 --out data/top-weighted --pthat-sampling biased
  jetxai generate --process top --n-jets 1000 --out data/top --scheduler tcp://127.0.0.1:8786
  jetxai generate --level event --process vlq --n-events 5000 --out data/vlq --mass 1500
  jetxai generate --level event --process wjets --n-events 2000 --out data/wjets --workers 2
"""

# flag dest → config field, per level; a flag of the other level is refused by name
_JET_OPTIONS = (
    "pt_min",
    "pt_max",
    "eta_max",
    "pthat_max",
    "pthat_sampling",
    "isr",
    "preselect",
)
_EVENT_OPTIONS = ("mass", "min_jets", "min_bjets", "jet_pt_min", "btag_eff", "ctag_eff", "mistag")
_SHARED_OPTIONS = ("seed", "sqrt_s", "radius", "pthat_min", "chunk_size", "batch_size", "split")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from jetxai.catalogue import at_level
    from jetxai.generate.config import ISR_CHOICES, PRESELECTIONS, PTHAT_SAMPLINGS

    jet_processes, event_processes = at_level("jet"), at_level("event")

    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=(
            "Jet level (default): generate exactly N jets passing the selection (anti-kT, |eta|, "
            "pT window). Event level: generate exactly N events with one isolated lepton, jets "
            "and b-tags, with their features, cut flow and cross-section weights. Either way "
            "the output is a directory of Parquet chunks plus manifest.json; re-running into "
            "the same directory resumes: only missing chunks are generated."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--level", choices=["jet", "event"], default="jet", help="what to store (default jet)"
    )
    parser.add_argument(
        "--process",
        required=True,
        choices=[*jet_processes, *event_processes],
        help=f"jet: {', '.join(jet_processes)}; event: {', '.join(event_processes)}",
    )
    parser.add_argument("--n-jets", type=positive_int, help="jets to store (jet level)")
    parser.add_argument(
        "--n-events", type=positive_int, help="selected events to store (event level)"
    )
    parser.add_argument("--out", type=path_text, required=True, help="dataset directory")
    parser.add_argument("--seed", type=int, help="base random seed (default 1)")
    parser.add_argument(
        "--split",
        choices=["train", "val", "test"],
        help="mark every record as this part of the train/validation/test split (e.g. an extra "
        "background sample for testing only); unset, training splits the data itself",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=positive_int, default=1, help="local Dask worker processes (default 1)"
    )
    where.add_argument("--scheduler", help="address of a running Dask scheduler")
    kin = parser.add_argument_group("physics (both levels)")
    kin.add_argument("--sqrt-s", type=float, help="collision energy, GeV (default 14000)")
    kin.add_argument("--radius", type=float, help="anti-kT R (default 0.8 jet, 0.4 event)")
    kin.add_argument("--pthat-min", type=float, help="Pythia pT-hat lower edge, GeV")
    kin.add_argument(
        "--pythia",
        action="append",
        default=[],
        metavar='"KEY = VALUE"',
        help="extra Pythia setting (repeatable)",
    )
    jet = parser.add_argument_group("jet level")
    jet.add_argument("--pt-min", type=float, help="jet pT lower edge, GeV (default 550)")
    jet.add_argument("--pt-max", type=float, help="jet pT upper edge, GeV (default 650)")
    jet.add_argument("--eta-max", type=float, help="jets need |eta| below this (default 2)")
    jet.add_argument("--pthat-max", type=float, help="Pythia pT-hat upper edge, GeV")
    jet.add_argument(
        "--pthat-sampling",
        choices=PTHAT_SAMPLINGS,
        help="window (default): unweighted, in the process's pT-hat window, which misses some "
        "top and ZH jets (warned); biased: a wide pT-hat range sampled with a bias towards the "
        "jet window, every jet carrying a weight that undoes it (< 1 %% of window jets missed)",
    )
    jet.add_argument(
        "--isr",
        choices=list(ISR_CHOICES),
        help="initial-state shower, a tune choice: default (Pythia's), damped "
        "(SpaceShower:pTdampMatch = 1; for ttbar the same as the default) or wimpy "
        "(SpaceShower:pTmaxMatch = 1: no ISR above the factorisation scale)",
    )
    jet.add_argument(
        "--preselect",
        choices=PRESELECTIONS,
        help="none (default) or parton: hadronise only the events whose parton-level final "
        "state has a jet that could end in the window (the same sample statistically, fewer "
        "CPU-seconds per jet)",
    )
    event = parser.add_argument_group("event level (objects and selection)")
    event.add_argument("--mass", type=float, help="vlq heavy-quark mass, GeV (default 1200)")
    event.add_argument("--min-jets", type=int, help="jets required (default 3)")
    event.add_argument("--min-bjets", type=int, help="b-tagged jets required (default 1)")
    event.add_argument("--jet-pt-min", type=float, help="jet pT threshold, GeV (default 30)")
    event.add_argument("--btag-eff", type=float, help="b-jet tagging efficiency (default 0.7)")
    event.add_argument("--ctag-eff", type=float, help="c-jet mistag rate (default 0.1)")
    event.add_argument("--mistag", type=float, help="light-jet mistag rate (default 0.01)")
    run = parser.add_argument_group("execution")
    run.add_argument("--chunk-size", type=positive_int, help="records per chunk file")
    run.add_argument(
        "--batch-size", type=counted(10**6), help="events per Pythia batch (default 100)"
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_command)


def _options(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _refuse(args: argparse.Namespace, names: tuple[str, ...], level: str) -> None:
    from jetxai.errors import InputError

    given = [f"--{n.replace('_', '-')}" for n in names if getattr(args, n) is not None]
    if given:
        raise InputError(f"{', '.join(given)}: only for --level {level}")


def config_from_args(args: argparse.Namespace) -> Any:
    """The generator configuration the command line describes (either level)."""
    from jetxai.generate import GeneratorConfig
    from jetxai.generate.events import EventConfig

    shared = {**_options(args, _SHARED_OPTIONS), "process": args.process}
    shared["pythia"] = tuple(args.pythia)
    if args.level == "event":
        _refuse(args, (*_JET_OPTIONS, "n_jets"), "jet")
        if args.n_events is None:
            _missing("--n-events")
        return EventConfig(n_events=args.n_events, **shared, **_options(args, _EVENT_OPTIONS))
    _refuse(args, (*_EVENT_OPTIONS, "n_events"), "event")
    if args.n_jets is None:
        _missing("--n-jets")
    return GeneratorConfig(n_jets=args.n_jets, **shared, **_options(args, _JET_OPTIONS))


def _missing(flag: str) -> None:
    from jetxai.errors import InputError

    raise InputError(f"the number of records to store is required: give {flag}")


def run_command(args: argparse.Namespace) -> None:
    from jetxai.generate import generate

    config = config_from_args(args)
    manifest = generate(
        config, args.out, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet
    )
    kind = config.kind
    print(
        f"wrote {manifest[f'{kind}_kept']} {args.process} {kind} from "
        f"{manifest['events_tried']} events (sigma = {manifest['cross_section_pb']:.4g} pb) "
        f"to {args.out}"
    )
    if config.jet_weights:
        print(
            f"weighted jets: selected yield {manifest['selected_yield_pb']:.4g} pb, "
            f"{manifest['effective_jets']:.0f} effective jets (Kish), "
            f"{manifest['events_per_effective_jet']:.1f} events per effective jet"
        )
    if "preselection" in manifest:
        pre = manifest["preselection"]
        print(
            f"parton-level pre-selection: {pre['events_vetoed']} of {pre['events_showered']} "
            "showered events not hadronised"
        )
    if kind == "events":
        flow = manifest["cut_flow"]
        steps = ", ".join(f"{stage} {entry['events']}" for stage, entry in flow.items())
        print(
            f"cut flow: {steps}; selected yield {flow['bjets']['yield_pb']:.4g} pb "
            f"(weight {manifest['weight_pb']:.4g} pb per event)"
        )
