"""Import throughput: a synthetic file in the published Top Landscape layout, imported.

    python3 bench/import_bench.py --jets 1000000 --dir DIR

Writes DIR/synthetic.h5 (pandas "fixed" layout as the published files: key "table",
``block0`` the float columns E_i, PX_i, PY_i, PZ_i for i < 200, ``block1`` is_signal_new and
ttv), then times ``jetxai.data.import_dataset`` on it and reports jets/s and the peak memory of
the process (the file itself is several GB: memory must stay bounded by the chunk).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from pathlib import Path

import numpy as np

N = 200


def write_synthetic(
    path: Path,
    n_jets: int,
    block: int = 20_000,
    seed: int = 1,
    ttv: tuple[float, float, float] | None = None,
) -> None:
    """``n_jets`` jets of 20–100 massless constituents around a random axis, zero padded;
    ``ttv``: the probabilities of the official parts 0 (train), 1 (test), 2 (validation)
    (default: equal)."""
    import h5py

    rng = np.random.default_rng(seed)
    names = [f"{v}_{i}" for i in range(N) for v in ("E", "PX", "PY", "PZ")]
    with h5py.File(path, "w") as store:
        table = store.create_group("table")
        table["block0_items"] = np.array(names, dtype="S")
        values = table.create_dataset("block0_values", (n_jets, 4 * N), dtype="f4")
        table["block1_items"] = np.array(["is_signal_new", "ttv"], dtype="S")
        table["block1_values"] = np.stack(
            [
                rng.integers(0, 2, n_jets),
                rng.integers(0, 3, n_jets) if ttv is None else rng.choice(3, n_jets, p=ttv),
            ],
            axis=1,
        )
        for start in range(0, n_jets, block):
            rows = min(block, n_jets - start)
            counts = rng.integers(20, 101, rows)
            pt = rng.exponential(20.0, (rows, N)) + 0.5
            eta = rng.normal(0, 0.3, (rows, N)) + rng.uniform(-2, 2, (rows, 1))
            phi = rng.normal(0, 0.3, (rows, N)) + rng.uniform(-np.pi, np.pi, (rows, 1))
            alive = np.arange(N)[None, :] < counts[:, None]
            px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
            energy = pt * np.cosh(eta)
            order = np.argsort(-np.where(alive, pt, 0.0), axis=1)
            chunk = np.zeros((rows, N, 4), dtype="f4")
            for k, v in enumerate((energy, px, py, pz)):
                chunk[:, :, k] = np.take_along_axis(np.where(alive, v, 0.0), order, axis=1)
            values[start : start + rows] = chunk.reshape(rows, 4 * N)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jets", type=int, default=1_000_000)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--chunk-size", type=int, default=50_000)
    args = parser.parse_args()
    from jetxai.data import import_dataset

    root = Path(args.dir)
    root.mkdir(parents=True, exist_ok=True)
    source = root / "synthetic.h5"
    start = time.perf_counter()
    write_synthetic(source, args.jets)
    print(
        f"wrote {args.jets} jets, {source.stat().st_size / 1e9:.2f} GB, in "
        f"{time.perf_counter() - start:.0f} s"
    )
    out = root / "imported"
    shutil.rmtree(out, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    manifest = import_dataset("top-landscape", [source], out, chunk_size=args.chunk_size)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"imported {manifest['jets_kept']} jets in {seconds:.0f} s: "
        f"{manifest['jets_kept'] / seconds:,.0f} jets/s; peak memory {peak / 1e6:.2f} GB "
        f"(before the import {before / 1e6:.2f} GB), chunk size {args.chunk_size}"
    )


if __name__ == "__main__":
    main()
