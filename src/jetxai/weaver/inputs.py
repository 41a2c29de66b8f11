"""The inputs weaver-core feeds a model, built from JetClass-layout files (ROOT or Parquet, as
weaver reads them) by a data config (:mod:`jetxai.weaver.config`).

For each file, chunk by chunk: read the branches the config needs, apply the test-time selection,
define the ``new_variables`` (each from the branches and variables it reads), then for every input
group and variable: (x − centre) · scale clipped to [min, max] where a centre is given, padded
(``constant``: ``pad_value``; ``wrap``: the jet's particles repeated) or truncated to the group's
``length``, NaN set to 0 — weaver's ``_finalize_inputs`` — stacked as (jets, variables, length)
float32 (a group without length: (jets, variables), or (jets,) for one variable). The label is
the index of the one-hot label branch set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from jetxai._optional import require
from jetxai.errors import InputError
from jetxai.weaver.config import DataConfig, Variable

#: Jets read from a file at a time.
READ_STEP = 20_000
#: File suffixes read (weaver's ROOT and Parquet readers).
SUFFIXES = (".root", ".parquet")


@dataclass
class Batch:
    """Jets as weaver feeds them: ``inputs`` by input name (float32), ``labels`` (class index),
    where each jet came from (``file``, ``entry``) and the raw ``table`` after the selection
    (branches and new variables, for per-particle angles in the summaries)."""

    inputs: dict[str, np.ndarray]
    labels: np.ndarray
    file: str
    entry: np.ndarray
    table: ak.Array

    def __len__(self) -> int:
        return len(self.labels)


def needed_branches(config: DataConfig) -> list[str]:
    """The file branches the config reads (its variables' names resolved through
    ``new_variables`` down to branches)."""
    wanted = {v.name for variables in config.inputs.values() for v in variables}
    wanted |= set(config.label_value)
    if config.selection is not None:
        wanted |= config.selection.names
    branches: set[str] = set()
    seen: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in config.new_variables:
            wanted |= config.new_variables[name].names
        else:
            branches.add(name)
    return sorted(branches)


def _tables(path: Path, branches: Sequence[str], treename: str | None) -> Iterator[ak.Array]:
    """The file's branches, :data:`READ_STEP` jets at a time."""
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq

            names = set(pq.read_schema(path).names)
        except Exception as exc:  # pyarrow raises many kinds for damaged or other files
            raise InputError(f"{path}: cannot read as Parquet ({type(exc).__name__})") from None
        missing = sorted(set(branches) - names)
        if missing:
            raise InputError(f"{path}: missing branch(es) {', '.join(missing)}")
        try:
            table = ak.from_parquet(path, columns=list(branches))
        except Exception as exc:  # pyarrow raises many kinds for damaged or other files
            raise InputError(f"{path}: cannot read as Parquet ({type(exc).__name__})") from None
        for start in range(0, len(table), READ_STEP):
            yield table[start : start + READ_STEP]
        return
    uproot = require("uproot", "io")
    try:
        file = uproot.open(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot read as ROOT ({type(exc).__name__})") from None
    with file:
        trees = sorted({k.split(";")[0] for k, v in file.items() if v.classname == "TTree"})
        name = treename or (trees[0] if len(trees) == 1 else None)
        if name is None or name not in trees:
            raise InputError(f"{path}: give treename in the data config (trees: {trees})")
        tree = file[name]
        missing = sorted(set(branches) - set(tree.keys()))
        if missing:
            raise InputError(f"{path}: missing branch(es) {', '.join(missing)}")
        yield from tree.iterate(list(branches), step_size=READ_STEP, library="ak")


def _define(config: DataConfig, table: dict[str, Any], name: str, stack: tuple[str, ...]) -> Any:
    """Variable ``name`` of ``table``, defining the new variables it reads first."""
    if name in table:
        return table[name]
    if name not in config.new_variables:
        raise InputError(f"{config.path}: {name!r} is neither a branch nor a new variable")
    if name in stack:
        raise InputError(f"{config.path}: new_variables {' -> '.join([*stack, name])} is a cycle")
    expression = config.new_variables[name]
    for needed in sorted(expression.names):
        _define(config, table, needed, (*stack, name))
    table[name] = expression(table)
    return table[name]


def _padded(values: Any, variable: Variable) -> np.ndarray:
    """One variable standardised, clipped, padded/truncated, NaN → 0 (weaver's order)."""
    length = variable.length
    array = ak.Array(values) if not isinstance(values, np.ndarray) else values
    if length is None:  # one value per jet
        flat = np.asarray(ak.to_numpy(array), dtype=np.float32)
        out = _standardised(flat, variable)
        return np.where(np.isnan(out), np.float32(0), out)
    if isinstance(array, np.ndarray) or array.ndim == 1:
        array = ak.unflatten(np.asarray(array), 1)  # weaver: one value is one particle
    counts = ak.to_numpy(ak.num(array, axis=1))
    content = _standardised(np.asarray(ak.to_numpy(ak.flatten(array)), dtype=np.float32), variable)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    slot = np.arange(length)[None, :]
    if variable.pad_mode == "wrap":
        real = counts[:, None] > 0
        index = starts[:, None] + slot % np.maximum(counts, 1)[:, None]
        out = np.where(real, content[np.minimum(index, max(len(content) - 1, 0))], np.float32(0))
    else:
        real = slot < counts[:, None]
        index = np.minimum(starts[:, None] + slot, max(len(content) - 1, 0))
        taken = content[index] if len(content) else np.zeros(index.shape, np.float32)
        out = np.where(real, taken, np.float32(variable.pad_value))
    out = out.astype(np.float32)
    return np.where(np.isnan(out), np.float32(0), out)


def _standardised(values: np.ndarray, variable: Variable) -> np.ndarray:
    """(x − centre) · scale clipped to [min, max] in float32, as weaver's kernels compute; the
    values as they are without a centre."""
    if variable.center is None:
        return values
    f32 = np.float32
    shifted = (values - f32(variable.center)) * f32(variable.scale)
    return np.clip(shifted, f32(variable.low), f32(variable.high))


def build_batch(config: DataConfig, table: ak.Array, file: str, first: int) -> Batch:
    """The inputs, labels and origin of the jets of ``table`` (entries from ``first`` of
    ``file``) that pass the config's test-time selection."""
    values: dict[str, Any] = {name: table[name] for name in table.fields}
    entry = np.arange(first, first + len(table))
    if config.selection is not None:
        for needed in sorted(config.selection.names):
            _define(config, values, needed, ())
        keep = np.asarray(ak.to_numpy(config.selection(values)), dtype=bool)
        values = {k: v[keep] for k, v in values.items()}
        entry = entry[keep]
    inputs = {}
    for group, variables in config.inputs.items():
        arrays = [_padded(_define(config, values, v.name, ()), v) for v in variables]
        # weaver: one jet-level variable is (jets,), several (jets, variables)
        single = len(arrays) == 1 and variables[0].length is None
        inputs[group] = arrays[0] if single else np.stack(arrays, axis=1)
    onehot = np.stack([ak.to_numpy(values[b]) for b in config.label_value], axis=1)
    if len(onehot) and not np.all(np.sum(onehot, axis=1) == 1):
        bad = int(np.flatnonzero(np.sum(onehot, axis=1) != 1)[0])
        raise InputError(
            f"{file}: entry {entry[bad]} does not have exactly one of the labels "
            f"{', '.join(config.label_value)} set"
        )
    labels = np.argmax(onehot, axis=1) if len(onehot) else np.zeros(0, np.int64)
    return Batch(inputs, labels, file, entry, ak.Array(values))


def read_batches(
    config: DataConfig, files: Sequence[str | os.PathLike[str]], max_jets: int | None = None
) -> Iterator[Batch]:
    """The jets of ``files`` (in order) as :class:`Batch` es of at most :data:`READ_STEP`; with
    ``max_jets``, at most that many in all, spread over the files (the first ⌈max_jets / files⌉
    that pass the selection in each: JetClass keeps one class per file)."""
    branches = needed_branches(config)
    quota = None if max_jets is None else -(-max_jets // max(len(files), 1))
    left = max_jets
    for given in files:
        path = Path(given)
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        if path.suffix not in SUFFIXES:
            raise InputError(f"{path}: weaver input files are {' or '.join(SUFFIXES)}")
        first, taken = 0, 0
        for table in _tables(path, branches, config.treename):
            batch = build_batch(config, table, str(path), first)
            first += len(table)
            if left is not None and quota is not None:
                batch = _head(batch, min(left, quota - taken))
                left -= len(batch)
                taken += len(batch)
            if len(batch):
                yield batch
            if left == 0:
                return
            if quota is not None and taken >= quota:
                break


def _head(batch: Batch, n: int) -> Batch:
    """The first ``n`` jets of ``batch``."""
    if len(batch) <= n:
        return batch
    return Batch(
        {k: v[:n] for k, v in batch.inputs.items()},
        batch.labels[:n],
        batch.file,
        batch.entry[:n],
        batch.table[:n],
    )
