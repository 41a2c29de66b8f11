"""``jetxai explain``: relevances of trained taggers on their test jets, and the XAUG ranking."""

from __future__ import annotations

import argparse
from typing import Any

from jetxai.cli._parser import (
    comma_list,
    counted,
    non_negative_float,
    path_text,
    positive_float,
    positive_int,
    steps_or_auto,
)

NAME = "explain"
HELP = "explain trained taggers (LRP or IG) and rank their XAUG inputs"

EXAMPLES = """examples:
  jetxai explain --model runs/pfn-xaug --data data/top --data data/qcd --out explain/pfn
  jetxai explain --model runs/pfn-xaug --data data/top --data data/qcd --out explain/ig \\
                 --method ig --n-steps auto --workers 2
  jetxai explain --model runs/cnn/seed-0 --data data/top --data data/qcd \\
                 --composite epsilon_gamma_box --out explain/cnn --max-jets 2000
  jetxai explain --weaver-network networks/example_ParticleTransformer.py \\
                 --data-config data/JetClass/JetClass_full.yaml \\
                 --model-weights training/ParT/net_best_epoch_state.pt \\
                 --data JetClass/val_5M/*.root --out explain/weaver-part --max-jets 10000
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from jetxai.studies.options import STUDY_METHODS, ExplainOptions

    default = ExplainOptions()
    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=(
            "Explain a checkpoint, or every seed of a training run, on the test split it was "
            "trained with; write relevance-seed-<k>.parquet and ranking.json to --out. Or "
            "explain a weaver-core model (--weaver-network, --data-config, --model-weights, "
            "weaver's own options) on the inputs weaver builds from the --data files: "
            "relevance per weaver input variable and per particle, per class, in "
            "OUT/<class>/ and the page OUT/report/index.html."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", help="checkpoint or training output directory")
    parser.add_argument(
        "--data",
        required=True,
        action="extend",
        nargs="+",
        help="datasets (repeatable); with --weaver-network the ROOT or Parquet files",
    )
    parser.add_argument("--out", type=path_text, required=True, help="output directory")
    parser.add_argument("--method", default=default.method, choices=list(STUDY_METHODS))
    _ig_options(parser, default)
    _lrp_options(parser, default)
    parser.add_argument(
        "--max-jets",
        type=positive_int,
        help="explain at most this many test jets (half of each class, drawn at random)",
    )
    parser.add_argument("--batch-size", type=counted(10**7), default=default.batch_size)
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument(
        "--target",
        help="a multi-class tagger's class (name or index) whose logit is explained (default: "
        "each class's, in OUT/<class>)",
    )
    chosen.add_argument(
        "--contrast",
        type=comma_list,
        help="X,Y: explain the logit difference z_X - z_Y of a multi-class tagger (what "
        "separates the two classes) on the X and Y jets, in OUT/X-vs-Y",
    )
    _where_options(parser)
    _weaver_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(run=run_command)


def _ig_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """Integrated Gradients: baseline, its background weights and size, steps."""
    from jetxai.explain import BASELINES
    from jetxai.studies.options import BACKGROUND_WEIGHTS

    parser.add_argument(
        "--baseline",
        default=default.baseline,
        choices=BASELINES.names(),
        help=f"IG baseline, built from the training background (default {default.baseline})",
    )
    parser.add_argument(
        "--weights",
        default=default.weights,
        choices=list(BACKGROUND_WEIGHTS),
        help="background weights for mean/median/averaged baselines",
    )
    parser.add_argument(
        "--k",
        type=counted(10**6),
        default=default.k,
        help="background events in an averaged baseline",
    )
    parser.add_argument(
        "--n-steps",
        type=steps_or_auto,
        default=default.n_steps,
        help="IG quadrature points; auto: per jet, until the completeness delta is at most "
        "--tolerance of f(x) - f(x'); exact: piecewise-linear taggers (dnn, pfn, cnn) "
        "integrated between the ReLU kinks on each path (default %(default)s)",
    )
    parser.add_argument(
        "--tolerance",
        type=positive_float,
        help="relative completeness tolerance of adaptive IG steps (default 0.01 with auto)",
    )


def _lrp_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """LRP: composite, rule parameters, the softmax rule of attention."""
    from jetxai.explain import COMPOSITES
    from jetxai.explain.lrp import SOFTMAX_RULES

    parser.add_argument("--composite", default=default.composite, choices=COMPOSITES.names())
    parser.add_argument(
        "--epsilon", type=non_negative_float, help="epsilon of the rules (default 1e-6)"
    )
    parser.add_argument("--gamma", type=non_negative_float, help="gamma of the gamma rule")
    parser.add_argument(
        "--softmax",
        default=default.softmax,
        choices=SOFTMAX_RULES.names(),
        help="LRP rule for attention softmaxes (part): attnlrp (AttnLRP's; its bias term absorbs "
        "relevance), identity (conserves relevance) or cp (attention weights held constant)",
    )


def _weaver_options(parser: argparse.ArgumentParser) -> None:
    """A weaver-core model, named with weaver's own options."""
    group = parser.add_argument_group("weaver-core models (in place of --model)")
    group.add_argument(
        "--weaver-network",
        type=path_text,
        help="weaver network file: its get_model(data_config, **options) builds the model. It "
        "is your own Python code and runs as weaver runs it, with your permissions: give only "
        "files you trust",
    )
    group.add_argument("--data-config", type=path_text, help="weaver data config (YAML)")
    group.add_argument(
        "--model-weights",
        type=path_text,
        help="weaver weights (a state dict .pt), loaded with torch.load(weights_only=True): "
        "it cannot run code",
    )
    group.add_argument(
        "--network-option",
        nargs=2,
        action="append",
        default=[],
        metavar=("KEY", "VALUE"),
        help="passed to get_model as KEY=VALUE (a number, true/false or text), as weaver does",
    )
    group.add_argument(
        "--hold",
        action="append",
        default=[],
        metavar="INPUT",
        help="IG: a weaver input held at the explained jet along the path (e.g. pf_vectors: "
        "ParT's pair features take logarithms that an interpolated path makes NaN)",
    )


def _where_options(parser: argparse.ArgumentParser) -> None:
    """Where the work runs: this process, local Dask workers or a scheduler; the device."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="local Dask worker processes, one torch thread each (default 1: this process)",
    )
    where.add_argument(
        "--scheduler", help="address of a running Dask scheduler (its workers must see --out)"
    )
    parser.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="auto",
        help="where the networks run (default auto: CUDA when present)",
    )


def _option_value(text: str) -> Any:
    """A --network-option value as weaver reads it: a number, a boolean, else the text."""
    import ast

    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, (int, float, list, tuple)) else text


def _check_sources(args: argparse.Namespace) -> None:
    from jetxai.errors import InputError

    weaver = [args.weaver_network, args.data_config]
    if args.model is not None and any([*weaver, args.model_weights]):
        raise InputError(
            "give --model (a jetxai run) or --weaver-network (a weaver model), not both"
        )
    if args.model is None and not all(weaver):
        raise InputError(
            "give --model (a jetxai run), or --weaver-network with --data-config "
            "(and --model-weights) for a weaver model"
        )
    if args.model is not None and (args.hold or args.network_option):
        raise InputError("--hold and --network-option are for weaver models")


def run_command(args: argparse.Namespace) -> None:
    from jetxai.studies.explain import explain_run
    from jetxai.studies.options import ExplainOptions

    options = ExplainOptions(
        method=args.method,
        composite=args.composite,
        epsilon=args.epsilon,
        gamma=args.gamma,
        softmax=args.softmax,
        baseline=args.baseline,
        weights=args.weights,
        k=args.k,
        n_steps=args.n_steps,
        tolerance=args.tolerance,
        max_jets=args.max_jets,
        batch_size=args.batch_size,
    )
    _check_sources(args)
    if args.weaver_network is not None:
        _run_weaver(args, options)
        return
    report = explain_run(
        args.model,
        args.data,
        args.out,
        options,
        progress=not args.quiet,
        workers=args.workers,
        scheduler=args.scheduler,
        device=args.device,
        target=args.target,
        contrast=args.contrast,
    )
    if "explained" not in report:
        _print_ranking(report, args.out)
        return
    for name, ranking in report["explained"].items():
        _print_ranking(ranking, f"{args.out}/{name}", f"{name}: ")
    from jetxai.report import build_report

    print(f"report: {build_report(args.out)}")


def _run_weaver(args: argparse.Namespace, options: Any) -> None:
    from jetxai.errors import InputError
    from jetxai.report import build_report
    from jetxai.weaver.explain import explain_weaver

    if args.workers != 1 or args.scheduler is not None:
        raise InputError("weaver models are explained in this process (no --workers/--scheduler)")
    summaries = explain_weaver(
        args.weaver_network,
        args.data_config,
        args.data,
        args.out,
        args.model_weights,
        options,
        target=args.target,
        contrast=args.contrast,
        hold=args.hold,
        network_options={k: _option_value(v) for k, v in args.network_option},
        device=args.device,
        progress=not args.quiet,
    )
    for name, summary in summaries.items():
        top = ", ".join(e["variable"] for e in summary["ranking"]["all"][:5])
        print(f"{name}: most relevant weaver inputs: {top}")
    print(
        f"wrote {args.out}/<class>/relevance.parquet and ranking.json for {len(summaries)} logit(s)"
    )
    print(f"report: {build_report(args.out)}")


def _print_ranking(report: dict[str, Any], out: str, prefix: str = "") -> None:
    if "ensemble_ranking" in report:
        top = ", ".join(report["ensemble_ranking"]["order"][:5])
        print(f"{prefix}most relevant dense inputs (XAUGs or event features): {top}")
    if "xaug_share" in report:
        print(f"{prefix}XAUG share of |relevance|: {report['xaug_share']['all']['mean']:.2f}")
    print(f"{prefix}wrote {out}/ranking.json and {len(report['seeds'])} relevance file(s)")
