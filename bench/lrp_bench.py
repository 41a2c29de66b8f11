"""LRP on the top-vs-QCD taggers of bench/train_bench.py: XAUG ranking, XAUG share of the
relevance, and the reduced-feature curve.

Run from the repository root after bench/train_bench.py:

    python3 bench/lrp_bench.py --seeds 3

The ranking comes from LRP-ε on the XAUG-only dnn (and the PFN + XAUG model for comparison);
the curve retrains the dnn on the top-k variables of the LRP ranking, of the single-variable AUC
ranking and of a random ordering.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from jetxai.features import XAUG_NAMES, column
from jetxai.studies.explain import explain_run
from jetxai.train import (
    TrainConfig,
    auc_ordering,
    load_samples,
    random_ordering,
    reduced_feature_curve,
    smallest_k,
)

KS = [1, 2, 3, 4, 6, 8, 12, 18, 24]


def pm(value: dict, digits: int = 3) -> str:  # type: ignore[type-arg]
    return f"{value['mean']:.{digits}f} ± {value['std']:.{digits}f}"


def lowlevel_curve(args: argparse.Namespace, out: Path) -> None:
    """Reduced-feature curve of the PFN + XAUG model, from its own LRP ranking."""
    ranking = json.loads((out / "pfn+xaug" / "ranking.json").read_text())
    order = ranking["ensemble_ranking"]["order"]
    full = json.loads((Path(args.runs) / "pfn+xaug" / "metrics.json").read_text())
    reference = full["rejection_0.5"]["mean"]
    ks = [1, 2, 4, 8, 24]
    config = TrainConfig(
        model="pfn", xaug=list(order), seeds=args.seeds, epochs=args.epochs, patience=3
    )
    curve = reduced_feature_curve(config, args.data, order, ks, out / "reduced-pfn", progress=False)
    print(
        f"\n### reduced-feature curve: PFN + top-k XAUGs by LRP (1/eps_B at eps_S = 0.5, "
        f"{args.seeds} seeds; all 24: {reference:.1f})\n"
    )
    print("| k | 1/eps_B(0.5) | AUC |\n|---|---|---|")
    for point in curve:
        print(f"| {point['k']} | {pm(point['rejection_0.5'], 1)} | {pm(point['auc'], 4)} |")
    for fraction in (0.90, 0.95):
        k = smallest_k(curve, reference, fraction)
        print(f"{100 * fraction:.0f} % of the full 1/eps_B(0.5) at k = {k}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", nargs=2, default=["bench-data/top-20000-100", "bench-data/qcd-20000-101"]
    )
    parser.add_argument("--runs", default="bench-data/runs")
    parser.add_argument("--out", default="bench-data/lrp")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--max-jets", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--lowlevel-curve",
        action="store_true",
        help="only the reduced-feature curve of PFN + XAUG (LRP order of that model)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    if args.lowlevel_curve:
        lowlevel_curve(args, out)
        return

    reports = {}
    for run in ("dnn+xaug", "pfn+xaug", "cnn+xaug", "lstm+xaug"):
        if not (Path(args.runs) / run).is_dir():
            continue
        reports[run] = explain_run(
            Path(args.runs) / run,
            args.data,
            out / run,
            method="lrp",
            max_jets=args.max_jets,
            progress=False,
            composite="epsilon",
        )
    for run, report in reports.items():
        ranking = report["ensemble_ranking"]
        print(
            f"\n### LRP-ε XAUG ranking, {run} ({ranking['seeds']} seeds; "
            "share of total |R| on XAUGs, mean ± std over seeds)\n"
        )
        print(
            "| rank | variable | share (all) | share (top) | share (QCD) |\n|---|---|---|---|---|"
        )
        for i, name in enumerate(ranking["order"], start=1):
            cells = [pm(ranking["share"][part][name]) for part in ("all", "signal", "background")]
            print(f"| {i} | {name} | {' | '.join(cells)} |")
        if "xaug_share" in report:
            share = report["xaug_share"]
            print(
                f"\nXAUG branch share of |relevance| ({run}): all {pm(share['all'])}, "
                f"top {pm(share['signal'])}, QCD {pm(share['background'])}"
            )
        deltas = [s["conservation"]["median_abs_delta_over_logit"] for s in report["seeds"]]
        print(
            "conservation: median |f(x) - sum R| / |f(x)| per seed: "
            + ", ".join(f"{d:.3f}" for d in deltas)
        )

    # reduced-feature curve with the dnn
    xaug = [n for n in XAUG_NAMES if n not in ("pt", "eta")]
    lrp_order = reports["dnn+xaug"]["ensemble_ranking"]["order"]
    samples = load_samples(args.data)
    train_jets = samples.jets[samples.train]
    values = {n: train_jets[column(n)].to_numpy() for n in xaug}
    orders = {
        "LRP": lrp_order,
        "single-variable AUC": auc_ordering(values, samples.target[samples.train]),
        "random": random_ordering(xaug, seed=1),
    }
    full = json.loads((Path(args.runs) / "dnn+xaug" / "metrics.json").read_text())
    reference = full["rejection_0.5"]["mean"]
    config = TrainConfig(model="dnn", xaug=xaug, seeds=args.seeds, epochs=args.epochs, patience=3)
    curves = {}
    for label, order in orders.items():
        curves[label] = reduced_feature_curve(
            config, args.data, order, KS, out / "reduced" / label.split()[0], progress=False
        )
    print(
        "\n### reduced-feature curve: dnn on the top-k XAUGs (1/eps_B at eps_S = 0.5, "
        f"mean ± std over {args.seeds} seeds; all {len(xaug)}: {reference:.1f})\n"
    )
    print("| k | " + " | ".join(orders) + " |\n|---|" + "---|" * len(orders))
    for i, k in enumerate(KS):
        cells = [pm(curves[o][i]["rejection_0.5"], 1) for o in orders]
        print(f"| {k} | {' | '.join(cells)} |")
    for label in orders:
        k90 = smallest_k(curves[label], reference, 0.90)
        k95 = smallest_k(curves[label], reference, 0.95)
        print(
            f"{label} order: 90 % of the full 1/eps_B(0.5) at k = {k90}, 95 % at k = {k95}; "
            f"first variables {', '.join(orders[label][:5])}"
        )
    (out / "summary.json").write_text(
        json.dumps({"curves": curves, "orders": orders}, indent=2, default=float)
    )


if __name__ == "__main__":
    main()
