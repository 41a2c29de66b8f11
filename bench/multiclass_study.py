"""A five-class study on JetClass-layout files: the JetClass table's metrics of ParT and
ParticleNet, and per-class LRP rankings of their XAUG branch.

    python3 bench/multiclass_study.py OUT [--jets N] [--epochs E] [--seeds S]

Generates N jets of each class jetxai generates that JetClass labels (top, W, Z, H → bb, QCD;
the top and QCD p̂_T windows narrowed as the demo's), writes each split of each class as a
JetClass ROOT file (``jetxai.data.jetclass.write_jetclass``), imports them with their part of
the split (``jetxai import jetclass --split``), adds XAUG columns, trains ``part`` and
``particlenet`` (their small defaults) with ``--classes all`` and explains every class's logit
with LRP. Prints the metrics table (mean ± seed spread, statistical error in brackets) and each
class's leading XAUG variables; everything stays in OUT (re-running reuses what is there).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import awkward as ak
import numpy as np

from jetxai import data
from jetxai.data.imports import import_dataset
from jetxai.data.jetclass import write_jetclass
from jetxai.features import add_xaug
from jetxai.generate import GeneratorConfig, generate
from jetxai.studies.explain import explain_run
from jetxai.train import TrainConfig, train

CLASSES = ["qcd", "top", "w", "z", "higgs"]
XAUG = ["mass", "msd", "tau21", "tau32", "d2", "c2", "multiplicity", "ptd"]
#: (fraction) train / val / test, by row of each generated sample
PARTS = {"train": (0.0, 0.6), "val": (0.6, 0.8), "test": (0.8, 1.0)}
#: the demo's p̂_T window, in units of (pt_min, pt_max), for the processes that take one
PTHAT = (0.85, 1.15)


def _generate(out: Path, n: int) -> dict[str, Path]:
    made = {}
    for seed, process in enumerate(CLASSES, start=101):
        window = {}
        if process in ("qcd", "top"):
            window = {"pthat_min": PTHAT[0] * 550.0, "pthat_max": PTHAT[1] * 650.0}
        config = GeneratorConfig(
            process=process, n_jets=n, seed=seed, chunk_size=max(n // 4, 100), **window
        )
        generate(config, out / "generated" / process, workers=2, progress=False)
        made[process] = out / "generated" / process
    return made


def _jetclass_files(out: Path, generated: dict[str, Path]) -> dict[str, list[Path]]:
    files: dict[str, list[Path]] = {part: [] for part in PARTS}
    for process, root in generated.items():
        jets = data.read(root)
        for part, (low, high) in PARTS.items():
            path = out / "jetclass" / f"{process}_{part}.root"
            if not path.is_file():
                path.parent.mkdir(parents=True, exist_ok=True)
                rows = slice(int(low * len(jets)), int(high * len(jets)))
                write_jetclass(path, jets[rows])
            files[part].append(path)
    return files


def _metrics_row(name: str, metrics: dict) -> str:
    def shown(entry: dict, digits: int) -> str:
        stat = entry.get("stat")
        extra = f" [{stat:.{digits}f}]" if isinstance(stat, float) else ""
        return f"{entry['mean']:.{digits}f} ± {entry['std']:.{digits}f}{extra}"

    cells = [name, shown(metrics["accuracy"], 3), shown(metrics["auc"], 4)]
    for process in CLASSES[1:]:
        entry = metrics["per_class"][process]["rejection"]
        bound = "≥ " if entry["is_lower_bound"] else ""
        cells.append(f"{bound}{entry['mean']:.1f} ± {entry['std']:.1f}")
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--jets", type=int, default=1500, help="jets per class")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    out: Path = args.out
    start = time.perf_counter()
    generated = _generate(out, args.jets)
    print(f"generated {len(CLASSES)} x {args.jets} jets: {time.perf_counter() - start:.0f} s")
    datasets = []
    for part, paths in _jetclass_files(out, generated).items():
        root = out / "data" / part
        import_dataset("jetclass", paths, root, split=part, progress=False)
        add_xaug(root, XAUG, progress=False)
        datasets.append(root)
    print(f"imported and XAUGs: {time.perf_counter() - start:.0f} s")
    header = "| model | accuracy | macro AUC | " + " | ".join(
        f"1/ε_B {p} (ε_S = 0.5)" for p in CLASSES[1:]
    )
    rows, rankings = [], {}
    for model in ("part", "particlenet"):
        config = TrainConfig(
            model=model, xaug=XAUG, classes=["all"], seeds=args.seeds, epochs=args.epochs,
            batch_size=128, n_constituents=64,
        )  # fmt: skip
        began = time.perf_counter()
        metrics = train(config, datasets, out / "runs" / model, progress=False)
        print(f"trained {model}: {time.perf_counter() - began:.0f} s")
        rows.append(_metrics_row(model, metrics))
        explained = out / "explain" / model
        if not (explained / "classes.json").is_file():
            explain_run(out / "runs" / model, datasets, explained, progress=False, max_jets=600)
        for process in CLASSES:
            ranking = json.loads((explained / process / "ranking.json").read_text())
            rankings[model, process] = ranking["ensemble_ranking"]["order"][:4]
    print()
    print(header + " |")
    print("|" + "---|" * (3 + len(CLASSES) - 1))
    print("\n".join(rows))
    print()
    print("| class | ParT: leading XAUGs (LRP) | ParticleNet: leading XAUGs (LRP) |")
    print("|---|---|---|")
    for process in CLASSES:
        cells = [", ".join(rankings[m, process]) for m in ("part", "particlenet")]
        print(f"| {process} | {cells[0]} | {cells[1]} |")
    tested = np.asarray(ak.to_list(data.read(out / "data" / "test", ["process"]).process))
    counts = {p: int(np.sum(tested == p)) for p in CLASSES}
    print(f"\ntest jets per class: {counts}; total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
