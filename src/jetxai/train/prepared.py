"""A tagger's inputs prepared once on disk, so training streams them in bounded memory.

One pass over the datasets' chunk files (one chunk in memory at a time) turns every jet into
the unstandardised arrays its model reads (:func:`jetxai.models.inputs.raw_inputs`: constituent
lists and masks, images, XAUG values, computed where they are not stored), fits the
standardisation on the training jets as it goes, and writes each split's jets as blocks of
``block_jets`` rows (``train-000000.npz``, …; plain arrays, never pickles) with their target,
loss weight and row in the samples. Epochs then read blocks, not Parquet: nothing is rebuilt
per epoch, and the XAUGs are computed once per run, not once per epoch.

The standardisation is accumulated chunk by chunk with Chan et al.'s pairwise update of
(count, mean, M₂) in float64 (T. F. Chan, G. H. Golub, R. J. LeVeque, "Updating formulae and a
pairwise algorithm for computing sample variances", 1979): mean = Σx/n, std = √(M₂/n), the
population standard deviation :func:`numpy.std` gives on the whole set.

``prepared.json``, written last and atomically, lists the blocks and carries a key (the inputs'
spec and the data's identity): a cache from an interrupted pass, or from other inputs, is
rebuilt, never reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from jetxai._io import atomic_path, read_json_object, write_json
from jetxai._quiet import bar_disabled
from jetxai.data.rows import LazyJets
from jetxai.errors import InputError
from jetxai.models.inputs import raw_inputs
from jetxai.models.spec import ModelSpec

#: The splits, in the order of their codes in :class:`jetxai.train.samples.Samples`.
SPLITS = ("train", "val", "test")
#: Rows of one block file (the unit a shuffle buffer is made of).
BLOCK_JETS = 512
INDEX = "prepared.json"
#: What a block stores besides the model's raw arrays.
LABELS = ("target", "weight", "row")


class Moments:
    """Running count, mean and M₂ per feature (Chan et al.'s pairwise update), in float64."""

    def __init__(self) -> None:
        self.n = 0
        self.mean: npt.NDArray[np.float64] | None = None
        self.m2: npt.NDArray[np.float64] | None = None

    def add(self, values: npt.NDArray[Any]) -> None:
        """Add the rows of ``values`` (N, F)."""
        if len(values) == 0:
            return
        values = values.astype(np.float64, copy=False)
        n_b = len(values)
        mean_b = values.mean(axis=0)
        m2_b = ((values - mean_b) ** 2).sum(axis=0)
        if self.mean is None or self.m2 is None:
            self.n, self.mean, self.m2 = n_b, mean_b, m2_b
            return
        n = self.n + n_b
        delta = mean_b - self.mean
        self.mean = self.mean + delta * (n_b / n)
        self.m2 = self.m2 + m2_b + delta**2 * (self.n * n_b / n)
        self.n = n

    def standardisation(self) -> tuple[list[float], list[float]]:
        """(mean, std) per feature; a constant feature gets std 1 (as in training in memory)."""
        if self.mean is None or self.m2 is None:
            raise InputError("no training jets to fit the standardisation on")
        std = np.sqrt(self.m2 / self.n)
        return self.mean.tolist(), np.where(std > 0, std, 1.0).tolist()


@dataclass
class Prepared:
    """Prepared inputs in ``directory``: the blocks of each split and their row counts."""

    directory: Path
    blocks: dict[str, list[str]]
    sizes: dict[str, list[int]]
    #: each block's sum of loss weights (float64)
    weights: dict[str, list[float]]

    def n_jets(self, split: str) -> int:
        return int(sum(self.sizes[split]))

    def total_weight(self, split: str) -> float:
        return float(sum(self.weights[split]))

    def read(self, split: str, index: int) -> dict[str, npt.NDArray[Any]]:
        """Block ``index`` of ``split`` as a dict of arrays (raw inputs + target, weight, row)."""
        path = self.directory / self.blocks[split][index]
        try:
            with np.load(path, allow_pickle=False) as handle:
                return {name: handle[name] for name in handle.files}
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: cannot read prepared inputs ({exc})") from None


def input_key(spec: ModelSpec, provenance: dict[str, Any], block_jets: int) -> str:
    """What the prepared arrays depend on: the inputs the spec reads and the data's identity."""
    reads = {
        "name": spec.name,
        "xaug": spec.xaug,
        "constituent_fields": spec.constituent_fields,
        "n_constituents": spec.n_constituents,
        "image_bins": spec.image_bins,
        "image_extent": spec.image_extent,
        "block_jets": block_jets,
        "data": provenance,
    }
    return hashlib.sha256(json.dumps(reads, sort_keys=True).encode()).hexdigest()[:16]


class _BlockWriter:
    """Collects one split's rows and writes them as blocks of ``block_jets`` rows."""

    def __init__(self, directory: Path, split: str, block_jets: int) -> None:
        self.directory, self.split, self.block_jets = directory, split, block_jets
        self.pending: list[dict[str, npt.NDArray[Any]]] = []
        self.pending_rows = 0
        self.blocks: list[str] = []
        self.sizes: list[int] = []
        self.weights: list[float] = []

    def add(self, arrays: dict[str, npt.NDArray[Any]]) -> None:
        self.pending.append(arrays)
        self.pending_rows += len(arrays["row"])
        while self.pending_rows >= self.block_jets:
            self._flush(self.block_jets)

    def close(self) -> None:
        if self.pending_rows:
            self._flush(self.pending_rows)

    def _flush(self, rows: int) -> None:
        joined = {k: np.concatenate([p[k] for p in self.pending]) for k in self.pending[0]}
        block = {k: v[:rows] for k, v in joined.items()}
        rest = {k: v[rows:] for k, v in joined.items()}
        self.pending = [rest] if len(rest["row"]) else []
        self.pending_rows = len(rest["row"])
        name = f"{self.split}-{len(self.blocks):06d}.npz"
        with atomic_path(self.directory / name) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, **block)  # type: ignore[arg-type]
        self.blocks.append(name)
        self.sizes.append(rows)
        self.weights.append(float(block["weight"].astype(np.float64).sum()))


def _store_types(raw: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """Arrays as training casts them (constituents and images float32; XAUGs stay float64,
    standardised in float64 as in :func:`jetxai.models.inputs.to_tensors`)."""
    out = dict(raw)
    for name in ("constituents", "images"):
        if name in out:
            out[name] = out[name].astype(np.float32)
    return out


def prepare(
    spec: ModelSpec,
    jets: LazyJets,
    codes: npt.NDArray[np.int8],
    target: npt.NDArray[np.int64],
    loss_weight: npt.NDArray[np.float64],
    test_weight: npt.NDArray[np.float64],
    directory: str | os.PathLike[str],
    key: str,
    standardise_constituents: bool,
    block_jets: int = BLOCK_JETS,
    progress: bool = True,
) -> Prepared:
    """Write the prepared inputs of every jet (``codes``: 0 train, 1 val, 2 test, −1 unused)
    into ``directory`` and set ``spec``'s standardisation from the training jets; an existing
    complete preparation with the same ``key`` is reused (its standardisation too)."""
    from tqdm.auto import tqdm

    directory = Path(directory)
    found = _existing(directory, key)
    if found is not None:
        prepared, recorded = found
        _set_standardisation(spec, recorded)
        return prepared
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    writers = {s: _BlockWriter(directory, s, block_jets) for s in SPLITS}
    xaug, constituents = Moments(), Moments()
    bar = tqdm(total=len(jets), desc="prepare inputs", unit="jet", disable=bar_disabled(progress))
    for first, chunk in jets.chunks():
        rows = np.arange(first, first + len(chunk))
        raw = _store_types(raw_inputs(spec, chunk))
        for code, split in enumerate(SPLITS):
            chosen = np.flatnonzero(codes[rows] == code)
            if not len(chosen):
                continue
            part = {k: v[chosen] for k, v in raw.items()}
            if split == "train":
                if "xaug" in part:
                    xaug.add(part["xaug"])
                if "constituents" in part and standardise_constituents:
                    constituents.add(part["constituents"][part["mask"]])
            global_rows = rows[chosen]
            weight = test_weight if split == "test" else loss_weight
            part["target"] = target[global_rows].astype(np.float32)
            part["weight"] = weight[global_rows].astype(np.float32)
            part["row"] = global_rows.astype(np.int64)
            writers[split].add(part)
        bar.update(len(chunk))
    bar.close()
    for writer in writers.values():
        writer.close()
    standardisation: dict[str, list[float]] = {}
    if spec.xaug:
        standardisation["xaug_mean"], standardisation["xaug_std"] = xaug.standardisation()
    if constituents.n:
        mean, std = constituents.standardisation()
        standardisation["constituent_mean"], standardisation["constituent_std"] = mean, std
    _set_standardisation(spec, standardisation)
    index: dict[str, Any] = {
        "key": key,
        "blocks": {s: w.blocks for s, w in writers.items()},
        "sizes": {s: w.sizes for s, w in writers.items()},
        "weights": {s: w.weights for s, w in writers.items()},
        "standardisation": standardisation,
    }
    write_json(directory / INDEX, index)
    return Prepared(directory, index["blocks"], index["sizes"], index["weights"])


def _set_standardisation(spec: ModelSpec, values: dict[str, list[float]]) -> None:
    for name, numbers in values.items():
        setattr(spec, name, list(numbers))


def _existing(directory: Path, key: str) -> tuple[Prepared, dict[str, list[float]]] | None:
    index_path = directory / INDEX
    if not index_path.is_file():
        return None
    try:
        index = read_json_object(index_path)
    except InputError:
        return None
    if index.get("key") != key:
        return None
    blocks = index["blocks"]
    if not all((directory / name).is_file() for split in SPLITS for name in blocks[split]):
        return None
    return Prepared(directory, blocks, index["sizes"], index["weights"]), index["standardisation"]
