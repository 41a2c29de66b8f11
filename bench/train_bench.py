"""Tagger benchmark: every model with and without XAUGs, over seeds, on top vs QCD.

Run from the repository root after the AUC bench has generated its samples (or pass --data):

    python3 bench/train_bench.py --seeds 3

Prints AUC and 1/ε_B at ε_S = 0.3 and 0.5 as mean ± std over seeds, the training throughput,
and whether adding XAUGs moves the low-level nets by more than the seed spread.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from jetxai.evaluate.seeds import statistics_text
from jetxai.features import XAUG_NAMES, add_xaug
from jetxai.train import TrainConfig, train

RUNS = [
    ("dnn", True),
    ("pfn", False),
    ("pfn", True),
    ("cnn", False),
    ("cnn", True),
    ("lstm", False),
    ("lstm", True),
    ("particlenet", False),
    ("particlenet", True),
    ("part", False),
    ("part", True),
]


def cell(metric: dict) -> str:  # type: ignore[type-arg]
    """mean ± seed spread, then the statistics of one seed's measurement where the metrics carry
    them; "≥" and "(bound)" where fewer than ten test background jets pass for some seed."""
    bound = metric.get("is_lower_bound", False)
    text = f"{'≥ ' if bound else ''}{metric['mean']:.4g} ± {metric['std']:.2g}"
    if "passing" in metric:
        text += f" {statistics_text(metric)}" + (" (bound)" if bound else "")
    elif "stat" in metric:
        text += f" ± {metric['stat']:.2g} stat"
    return text


def table(out: Path) -> None:
    """The table again from the metrics.json files of an earlier run (``--table-only``)."""
    for run in sorted(out.iterdir()):
        if (run / "metrics.json").is_file():
            m = json.loads((run / "metrics.json").read_text())
            print(
                f"| {run.name} | {cell(m['auc'])} | {cell(m['rejection_0.3'])} | "
                f"{cell(m['rejection_0.5'])} | {cell(m['efficiency_0.01'])} | "
                f"{', '.join(map(str, m['epochs_run']))} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        nargs="+",
        default=["bench-data/top-20000-100", "bench-data/qcd-20000-101"],
        help="datasets, signal and background (several per class are fine)",
    )
    parser.add_argument("--out", default="bench-data/runs")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--only", nargs="*", help="model names to run (default: all)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument(
        "--constituents", type=int, help="constituent slots of the low-level models (default 64)"
    )
    parser.add_argument("--patience", type=int, default=4)
    parser.add_argument(
        "--table-only", action="store_true", help="print the table of the runs in --out"
    )
    args = parser.parse_args()
    if args.table_only:
        table(Path(args.out))
        return
    torch.set_num_threads(args.threads)

    for root in args.data:
        add_xaug(root, progress=True)
    xaug = [n for n in XAUG_NAMES if n not in ("pt", "eta")]
    results = {}
    for model, with_xaug in RUNS:
        if args.only and model not in args.only:
            continue
        name = f"{model}{'+xaug' if with_xaug else ''}"
        config = TrainConfig(
            model=model,
            xaug=xaug if with_xaug else [],
            seeds=args.seeds,
            epochs=args.epochs,
            patience=args.patience,
            **({"n_constituents": args.constituents} if args.constituents else {}),
        )
        results[name] = train(config, args.data, Path(args.out) / name, progress=True)
        m = results[name]
        print(
            f"{name}: AUC {cell(m['auc'])}, 1/eps_B(0.3) {cell(m['rejection_0.3'])}, "
            f"1/eps_B(0.5) {cell(m['rejection_0.5'])}, {m['training_jets_per_second']:.0f} jets/s",
            flush=True,
        )

    sizes = next(iter(results.values()))["data"]["n_jets"]
    print(
        f"\ntop vs QCD, jets train/val/test = {sizes['train']}/{sizes['val']}/{sizes['test']}, "
        f"{args.seeds} seeds, XAUG set: {', '.join(xaug)}"
    )
    print("| model | AUC | 1/ε_B (ε_S=0.3) | 1/ε_B (ε_S=0.5) | train jets/s | epochs |")
    print("|---|---|---|---|---|---|")
    for name, m in results.items():
        print(
            f"| {name} | {cell(m['auc'])} | {cell(m['rejection_0.3'])} | "
            f"{cell(m['rejection_0.5'])} | {m['training_jets_per_second']:.0f} | "
            f"{', '.join(map(str, m['epochs_run']))} |"
        )
    print("\nXAUG effect at ε_S = 0.5 (difference of means, and combined seed spread):")
    for model in ("pfn", "cnn", "lstm"):
        if model in results and f"{model}+xaug" in results:
            a, b = results[model]["rejection_0.5"], results[f"{model}+xaug"]["rejection_0.5"]
            diff = b["mean"] - a["mean"]
            spread = float(np.hypot(a["std"], b["std"]))
            print(
                f"  {model}: 1/eps_B {a['mean']:.1f} -> {b['mean']:.1f} "
                f"({100 * diff / a['mean']:+.0f} %),"
                f" spread {spread:.1f}: {'beyond' if abs(diff) > spread else 'within'} the spread"
            )
    if "dnn+xaug" in results:
        best = max(results.values(), key=lambda m: m["rejection_0.5"]["mean"])
        share = results["dnn+xaug"]["rejection_0.5"]["mean"] / best["rejection_0.5"]["mean"]
        print(f"  XAUG-only dnn reaches {100 * share:.0f} % of the best model's 1/eps_B(0.5)")
    Path(args.out, "summary.json").write_text(
        json.dumps(
            {
                k: {
                    m: v[m]
                    for m in ("auc", "rejection_0.3", "rejection_0.5", "training_jets_per_second")
                }
                for k, v in results.items()
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
