"""The event-level case study (issue 7): samples, classifier and explanations, measured.

Run from the repository root (generation resumes into bench-data/events/, training is reused):

    python3 bench/event_study_bench.py --workers 2
    python3 bench/event_study_bench.py --signal 5000 --backgrounds ttbar=5000,wjets=2500,\
singletop=2500 --seeds 3 --epochs 30 --figures docs/figures/event-study

Prints the cut flow and yields per process, the classifier's AUC and ε_S at ε_B = 1 % (mean ± std
over seeds), and for every explanation the leading features on signal events, the ranks of the
IG paper's leading features (H_T, lepton p_T, missing E_T) and the deletion AUC.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from jetxai import data
from jetxai.data.schema import EVENT_FEATURES
from jetxai.generate import generate
from jetxai.generate.events import EventConfig
from jetxai.studies.event_study import run_event_study

#: The IG paper's leading features with sensible baselines.
PAPER = ("ht", "lep_pt", "met")


def _sizes(text: str) -> dict[str, int]:
    return {name: int(n) for name, n in (part.split("=") for part in text.split(","))}


def _ranks(entry: dict[str, Any], features: list[str]) -> np.ndarray:
    """Rank of each feature by its mean attribution (signed), for a Spearman correlation."""
    values = np.array([entry["mean_attribution"][f] for f in features])
    return np.argsort(np.argsort(values)).astype(float)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signal", type=int, default=5000, help="vlq events")
    parser.add_argument("--backgrounds", default="ttbar=5000,wjets=2500,singletop=2500")
    parser.add_argument("--data", default="bench-data/events", help="dataset directory")
    parser.add_argument("--out", default="bench-data/event-study", help="study directory")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--figures", help="copy the study's figures here (e.g. docs/figures/...)")
    parser.add_argument(
        "--without", default="", help="comma-separated event features left out of the network"
    )
    args = parser.parse_args()

    sizes = {"vlq": args.signal, **_sizes(args.backgrounds)}
    roots = []
    print(f"| process | events stored | seconds | ms per stored event ({args.workers} workers) |")
    print("|---|---|---|---|")
    for seed, (process, n) in enumerate(sizes.items(), start=11):
        root = Path(args.data) / process
        config = EventConfig(process=process, n_events=n, seed=seed, chunk_size=500)
        existed = (root / "manifest.json").is_file() and data.read_manifest(root)["complete"]
        start = time.perf_counter()
        generate(config, root, workers=args.workers, progress=False)
        seconds = time.perf_counter() - start
        timing = "existing dataset | -" if existed else f"{seconds:.0f} | {1e3 * seconds / n:.1f}"
        print(f"| {process} | {n} | {timing} |")
        roots.append(root)

    dropped = {name for name in args.without.split(",") if name}
    options = {"xaug": [f for f in EVENT_FEATURES if f not in dropped]} if dropped else None
    study = run_event_study(
        roots,
        args.out,
        seeds=args.seeds,
        epochs=args.epochs,
        progress=False,
        train_options=options,
    )
    print()
    print((Path(args.out) / "study.md").read_text())
    reference = _ranks(study["explanations"]["ig-averaged-xsec"], study["features"])
    print(
        "| explanation | rank of " + " | rank of ".join(PAPER)
        + " | rank correlation with ig-averaged-xsec |"
    )  # fmt: skip
    print("|---|" + "---|" * (len(PAPER) + 1))
    for name, entry in study["explanations"].items():
        ranks = [entry["ranking"].index(f) + 1 for f in PAPER]
        rho = np.corrcoef(_ranks(entry, study["features"]), reference)[0, 1]
        print(f"| {name} | " + " | ".join(str(r) for r in ranks) + f" | {rho:.2f} |")
    if args.figures:
        target = Path(args.figures)
        target.mkdir(parents=True, exist_ok=True)
        for figure in study["figures"]:
            shutil.copy(figure, target / Path(figure).name)
        print(f"\nfigures copied to {target}")


if __name__ == "__main__":
    main()
