"""XAUG benchmarks: throughput against generation and FastJet contrib, and discrimination power.

Run from the repository root (datasets are generated into --data-dir once and reused):

    python3 bench/features_bench.py throughput --jets 2000
    python3 bench/features_bench.py auc --jets 20000

Speed figures are ratios of measurements made side by side in this run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import awkward as ak
import numpy as np

from jetxai import data
from jetxai.evaluate import auc
from jetxai.features import XAUG_NAMES, _recluster, xaug
from jetxai.features._padded import Padded
from jetxai.generate import GeneratorConfig, generate

CONTRIB_NAMES = ["c2", "d2", "c2_b2", "d2_b2", "n2", "m2", "msd", "zg", "rg"]


def dataset(data_dir: Path, process: str, n_jets: int, seed: int) -> ak.Array:
    root = data_dir / f"{process}-{n_jets}-{seed}"
    config = GeneratorConfig(process=process, n_jets=n_jets, seed=seed, chunk_size=1000)
    generate(config, root, workers=2, progress=True)
    return data.read(root)


def contrib_direct(jets: ak.Array) -> None:
    """The contrib-computable XAUGs straight through FastJet contrib (recluster + calls)."""
    padded = Padded.from_jets(jets)
    sequence = _recluster.sequence(padded)
    with _recluster.exclusive_calls():
        for beta in (1.0, 2.0):
            for func in ("c2", "d2"):
                sequence.exclusive_jets_energy_correlator(njets=1, beta=beta, func=func)
        for func in ("n2", "m2"):
            sequence.exclusive_jets_energy_correlator(njets=1, beta=1.0, func=func)
        sequence.exclusive_jets_softdrop_grooming(njets=1, beta=0.0, symmetry_cut=0.1, R0=0.8)


def timed(function, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def throughput(args: argparse.Namespace) -> None:
    for process in ("top", "qcd"):
        with tempfile.TemporaryDirectory() as out:
            config = GeneratorConfig(
                process=process, n_jets=args.jets, seed=5, chunk_size=args.jets
            )
            generation = timed(generate, config, out, workers=1, progress=False)
            jets = data.read(out)
        full = min(timed(xaug, jets) for _ in range(2))
        ours = min(timed(xaug, jets, CONTRIB_NAMES) for _ in range(2))
        contrib = min(timed(contrib_direct, jets) for _ in range(2))
        n = len(jets)
        print(
            f"{process}: generation {n / generation:7.1f} jets/s | full XAUG set ({len(XAUG_NAMES)}"
            f" vars) {n / full:7.1f} jets/s -> XAUG/generation cost {full / generation:.2f} | "
            f"contrib-computable subset: jetxai {n / ours:7.1f} jets/s, FastJet contrib direct "
            f"{n / contrib:7.1f} jets/s, ratio {contrib / ours:.2f}x"
        )


def auc_table(args: argparse.Namespace) -> None:
    data_dir = Path(args.data_dir)
    qcd = dataset(data_dir, "qcd", args.jets, seed=101)
    signals = {p: dataset(data_dir, p, args.jets, seed=100 + i) for i, p in enumerate(("top", "w"))}
    background = xaug(qcd, progress=True)
    print(
        f"single-variable AUC ({args.jets} signal and {args.jets} QCD jets, 550-650 GeV); "
        "AUC < 0.5 means the variable is smaller for signal, shown as max(AUC, 1-AUC) + sign"
    )
    rows = {}
    for process, jets in signals.items():
        values = xaug(jets, progress=True)
        for name in XAUG_NAMES:
            scores = np.r_[values[name], background[name]]
            labels = np.r_[np.ones(len(jets)), np.zeros(len(qcd))]
            rows.setdefault(name, {})[process] = auc(scores, labels)
    print("| variable | top vs QCD | W vs QCD |\n|---|---|---|")
    for name in sorted(rows, key=lambda n: -max(rows[n]["top"], 1 - rows[n]["top"])):
        cells = []
        for process in signals:
            a = rows[name][process]
            cells.append(f"{max(a, 1 - a):.3f} ({'>' if a >= 0.5 else '<'})")
        print(f"| {name} | {' | '.join(cells)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="bench-data")
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("throughput")
    p.add_argument("--jets", type=int, default=2000)
    p.set_defaults(func=throughput)
    p = sub.add_parser("auc")
    p.add_argument("--jets", type=int, default=20000)
    p.set_defaults(func=auc_table)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
