"""The jets of several datasets as one sequence of rows, read from their chunk files only when
asked for: what a study needs to explain a test split far larger than memory.

``LazyJets(roots)`` checks every dataset against its manifest once, then ``jets[rows]`` reads
just the chunk files holding ``rows`` (global positions: the first dataset's rows, then the
second's, as :func:`jetxai.data.read` would concatenate them) and returns those jets, in the
order asked, with the columns every dataset has. The last chunk file read is kept, so reading
consecutive rows opens each file once. A ``LazyJets`` pickles to its file list alone, so Dask
workers read their own rows instead of receiving jets.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pyarrow.parquet as pq

from jetxai.data.dataset import read_chunk, read_manifest, verify_chunks
from jetxai.errors import InputError


class LazyJets:
    """Rows of the datasets at ``roots``, read on demand (see the module docs)."""

    def __init__(self, roots: Sequence[str | os.PathLike[str]]) -> None:
        paths: list[Path] = []
        sizes: list[int] = []
        fields: set[str] | None = None
        #: each dataset's columns
        self.dataset_fields: list[set[str]] = []
        for root in roots:
            chunks = verify_chunks(root, read_manifest(root))
            if not chunks:
                raise InputError(f"{root}: dataset has no chunks")
            metadata = [pq.read_metadata(p) for p in chunks]
            names = set(metadata[0].schema.to_arrow_schema().names)
            fields = names if fields is None else fields & names
            paths += chunks
            sizes += [m.num_rows for m in metadata]
            self.dataset_fields.append(names)
        self.paths = paths
        self.starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.fields = sorted(fields or ())
        self._cached: tuple[int, ak.Array] | None = None

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_cached"} | {"_cached": None}

    def chunks(self) -> Iterator[tuple[int, ak.Array]]:
        """(first row, jets) of every chunk file in row order, one file in memory at a time."""
        for index, path in enumerate(self.paths):
            yield int(self.starts[index]), read_chunk(path, self.fields)

    def _chunk(self, index: int) -> ak.Array:
        if self._cached is None or self._cached[0] != index:
            self._cached = (index, read_chunk(self.paths[index], self.fields))
        return self._cached[1]

    def __getitem__(self, rows: Any) -> ak.Array:
        if isinstance(rows, slice):
            rows = np.arange(len(self))[rows]
        rows = np.asarray(rows, dtype=np.int64)
        if rows.ndim != 1:
            raise InputError("jets are read by a one-dimensional array of rows")
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self)):
            raise InputError(f"rows outside the {len(self)} jets of the data")
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        files = np.searchsorted(self.starts, ordered, side="right") - 1
        parts = []
        for index in np.unique(files):
            local = ordered[files == index] - self.starts[index]
            parts.append(self._chunk(int(index))[local])
        if not parts:
            return self._chunk(0)[:0]
        taken = parts[0] if len(parts) == 1 else ak.concatenate(parts)
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        return taken[back]
