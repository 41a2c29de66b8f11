"""The XAUG gain against the training-set size: the PFN's ε_S at ε_B = 1 % and 1/ε_B at
ε_S = 0.5, with and without the demo's XAUG variables, beside the XAUG-only dnn, at several
numbers of jets per class.

    python3 bench/xaug_gain_study.py OUT [--sizes 10000 30000] [--seeds 2] [--epochs 12]

For each size N: N top and N QCD jets generated (the demo's p̂_T window, seeds per size, so the
samples are independent), the demo's XAUG columns added, and ``dnn`` (XAUGs), ``pfn`` and
``pfn + XAUG`` trained (the demo's settings: 64 constituents, batch 256, early stopping) on the
same split. Prints the table (mean ± seed spread, statistical error in brackets, "≥" for a
bound) and writes OUT/xaug-gain.png (``jetxai.report.figures.xaug_gain``). Re-running reuses
what OUT holds.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from jetxai.features import add_xaug
from jetxai.generate import GeneratorConfig, generate
from jetxai.report import figures
from jetxai.studies.demo import DEMO_PTHAT, DEMO_XAUG
from jetxai.train import TrainConfig, train

#: run name → (model, with the XAUGs)
MODELS = {"dnn": ("dnn", True), "pfn": ("pfn", False), "pfn-xaug": ("pfn", True)}
#: the demo's (pt_min, pt_max) of top and QCD jets, GeV
PT_RANGE = (550.0, 650.0)


def _sample(out: Path, process: str, n: int, seed: int) -> Path:
    root = out / "data" / f"{process}-{n}"
    if not (root / "manifest.json").is_file() or not json.loads(
        (root / "manifest.json").read_text()
    ).get("complete"):
        window = {
            "pthat_min": DEMO_PTHAT[0] * PT_RANGE[0],
            "pthat_max": DEMO_PTHAT[1] * PT_RANGE[1],
        }
        config = GeneratorConfig(process=process, n_jets=n, seed=seed, chunk_size=5000, **window)
        generate(config, root, workers=2, progress=False)
        add_xaug(root, DEMO_XAUG, progress=False)
    return root


def _cell(entry: dict, digits: int, bound: bool = False) -> str:
    stat = entry.get("stat")
    if isinstance(stat, list):
        low, high = stat
        shown = (
            f" [−{low:.{digits}f}/+{high:.{digits}f}]"
            if high is not None
            else f" [−{low:.{digits}f}]"
        )
    elif isinstance(stat, float):
        shown = f" [{stat:.{digits}f}]"
    else:
        shown = ""
    prefix = "≥ " if bound and entry.get("is_lower_bound") else ""
    return f"{prefix}{entry['mean']:.{digits}f} ± {entry['std']:.{digits}f}{shown}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=12)
    args = parser.parse_args()
    out: Path = args.out
    results: dict[str, dict[int, dict]] = {name: {} for name in MODELS}
    for i, n in enumerate(args.sizes):
        began = time.perf_counter()
        data = [_sample(out, "top", n, 1000 + 2 * i), _sample(out, "qcd", n, 1001 + 2 * i)]
        print(f"{n} jets per class: generated with XAUGs in {time.perf_counter() - began:.0f} s")
        for name, (model, with_xaug) in MODELS.items():
            run = out / "runs" / f"{name}-{n}"
            if (run / "metrics.json").is_file():
                results[name][n] = json.loads((run / "metrics.json").read_text())
                continue
            began = time.perf_counter()
            config = TrainConfig(model=model, xaug=DEMO_XAUG if with_xaug else [],
                                 seeds=args.seeds, epochs=args.epochs, batch_size=256,
                                 n_constituents=64)  # fmt: skip
            results[name][n] = train(config, data, run, progress=False)
            print(f"  {name}: trained in {time.perf_counter() - began:.0f} s")
    print("\n| jets per class | network | ε_S at ε_B = 1 % | 1/ε_B at ε_S = 0.5 | test QCD jets |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        for name in MODELS:
            metrics = results[name][n]
            test = metrics["data"]["n_jets"]["test"] // 2
            print(f"| {n} | {name} | {_cell(metrics['efficiency_0.01'], 3)} | "
                  f"{_cell(metrics['rejection_0.5'], 1, bound=True)} | ~{test} |")  # fmt: skip
    figure = figures.xaug_gain(
        args.sizes, {name: [results[name][n] for n in args.sizes] for name in MODELS}
    )
    (out / "xaug-gain.png").write_bytes(figures.png(figure))
    print(f"\nfigure: {out / 'xaug-gain.png'}")


if __name__ == "__main__":
    main()
