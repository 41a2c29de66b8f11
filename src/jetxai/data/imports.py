"""Importing public datasets as ordinary jetxai datasets.

``import_dataset("top-landscape", files, out)`` reads each published file with its reader
(:mod:`.top_landscape`, :mod:`.jetclass`, :mod:`.energyflow`), writes the jets as Parquet chunks
with a manifest that records the source files' names and content hashes, and keeps the
**official split** per jet in a ``split`` field (0 train, 1 validation, 2 test) where the
format has one: Top Landscape's ``ttv`` column (0 train, 1 test, 2 validation), or ``split=``
for a set of files that is one part of a published split (JetClass ships train, validation and
test files). Training then uses that split instead of its own (see
:func:`jetxai.train.load_samples`).

Top Landscape, JetClass and EnergyFlow files are streamed chunk by chunk (memory bounded by the
chunk, not the file; EnergyFlow's compressed ``X`` is decompressed block by block). The manifest
is updated after each file, so an interrupted import resumes at the first file not yet written.
Chunks are written to a temporary name and renamed, as everywhere in jetxai.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai._io import remove_stale_temporaries
from jetxai._registry import Registry, choose
from jetxai.data.dataset import (
    chunk_path,
    file_digest,
    list_chunks,
    read_manifest,
    write_chunk,
    write_manifest,
)
from jetxai.data.energyflow import read_energyflow_qg, stream_energyflow_qg
from jetxai.data.jetclass import count_jetclass, read_jetclass
from jetxai.data.schema import SCHEMA_VERSION, SPLIT_CODES
from jetxai.data.top_landscape import count_top_landscape, read_top_landscape
from jetxai.errors import InputError

#: Top Landscape's ``ttv`` codes → ours.
_TTV = {0: SPLIT_CODES["train"], 1: SPLIT_CODES["test"], 2: SPLIT_CODES["val"]}


@dataclass(frozen=True)
class PublicFormat:
    """A public dataset format: its reader and, if the files carry it, the official split.
    With ``count`` (path → number of jets) the reader takes ``start``/``stop`` and a file is
    streamed chunk by chunk; with ``stream`` (path, size → pieces) the format streams itself
    (a compressed member read in order); with neither, a file is read whole."""

    reader: Callable[..., ak.Array]
    description: str
    split: Callable[[ak.Array], npt.NDArray[np.int8]] | None = None
    count: Callable[[Path], int] | None = None
    stream: Callable[[Path, int], Iterator[ak.Array]] | None = None

    def pieces(self, path: Path, size: int) -> Iterator[ak.Array]:
        """The jets of ``path`` in pieces of at most ``size``."""
        if self.stream is not None:
            yield from self.stream(path, size)
            return
        if self.count is None:
            jets = self.reader(path)
            for start in range(0, len(jets), size):
                yield jets[start : start + size]
            return
        total = self.count(path)
        for start in range(0, total, size):
            yield self.reader(path, start=start, stop=min(start + size, total))


def _ttv_split(jets: ak.Array) -> npt.NDArray[np.int8]:
    if "ttv" not in jets.fields:
        raise InputError("the Top Landscape file has no ttv column: pass --split for its part")
    ttv = ak.to_numpy(jets.ttv).astype(np.int64)
    unknown = sorted(set(np.unique(ttv)) - set(_TTV))
    if unknown:
        raise InputError(f"ttv holds value(s) {unknown}; only 0 (train), 1 (test), 2 (val)")
    return np.vectorize(_TTV.__getitem__, otypes=[np.int8])(ttv)


FORMATS: Registry[PublicFormat] = Registry(
    "public-data format",
    {
        "top-landscape": PublicFormat(
            read_top_landscape,
            "Top Tagging reference data (HDF5; official split in ttv)",
            _ttv_split,
            count_top_landscape,
        ),
        "jetclass": PublicFormat(
            read_jetclass,
            "JetClass (ROOT; one split per set of files)",
            count=count_jetclass,
        ),
        "energyflow-qg": PublicFormat(
            read_energyflow_qg,
            "EnergyFlow quark/gluon jets (.npz)",
            stream=stream_energyflow_qg,
        ),
    },
)


def _config_hash(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]


def import_dataset(
    fmt: str,
    files: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    split: str | None = None,
    chunk_size: int = 10_000,
    progress: bool = True,
) -> dict[str, Any]:
    """Import ``files`` of public format ``fmt`` into the jetxai dataset ``out``; return its
    manifest. ``split`` (train / val / test) marks every jet of these files as that part of an
    official split, for formats whose files do not say it themselves."""
    public = FORMATS[fmt]
    if split is not None:
        choose(split, SPLIT_CODES, "split")
    if split is not None and public.split is not None:
        raise InputError(f"{fmt} files carry their official split; drop --split")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    paths = [Path(f) for f in files]
    if not paths:
        raise InputError("no files to import")
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
    sources: list[dict[str, Any]] = [
        {"file": p.name, "blake2b": file_digest(p), "bytes": p.stat().st_size} for p in paths
    ]
    if len({s["blake2b"] for s in sources}) < len(sources):
        raise InputError("the same file is given more than once")
    config = {"format": fmt, "sources": sources, "split": split, "chunk_size": chunk_size}
    digest = _config_hash(config)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    entries, done = _resume(out, digest)

    from tqdm.auto import tqdm

    bar = tqdm(desc=f"import {fmt}", unit="jet", disable=not progress)
    for path, source in zip(paths, sources, strict=True):
        if source["blake2b"] in done:
            continue
        for piece in public.pieces(path, chunk_size):
            codes = public.split(piece) if public.split is not None else None
            if codes is None and split is not None:
                codes = np.full(len(piece), SPLIT_CODES[split], dtype=np.int8)
            if codes is not None:
                piece = ak.with_field(piece, codes, "split")
            index = len(entries)
            meta = {"index": index, "config_hash": digest, "n_jets": len(piece)}
            write_chunk(out, index, piece, meta | {"source": source["file"]})
            bar.update(len(piece))
            entries.append(
                meta | {"source": source["blake2b"], "blake2b": file_digest(chunk_path(out, index))}
            )
        done.add(source["blake2b"])
        write_manifest(out, _manifest(config, digest, entries, complete=False))
    bar.close()
    manifest = _manifest(config, digest, entries, complete=True)
    write_manifest(out, manifest)
    return manifest


def _resume(out: Path, digest: str) -> tuple[list[dict[str, Any]], set[str]]:
    """Chunk entries and source files already imported into ``out`` by the same import."""
    if not (out / "manifest.json").exists():
        if list_chunks(out):
            raise InputError(f"{out} holds chunks but no manifest; use an empty directory")
        return [], set()
    manifest = read_manifest(out)
    if manifest.get("config_hash") != digest:
        raise InputError(f"{out} was imported from other files or with other options")
    entries = [e for e in manifest.get("chunks", []) if isinstance(e, dict)]
    done = {e["source"] for e in entries}
    return entries, done


def _manifest(
    config: dict[str, Any], digest: str, entries: list[dict[str, Any]], complete: bool
) -> dict[str, Any]:
    official = FORMATS[config["format"]].split is not None or config["split"] is not None
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "jets",
        "complete": complete,
        "config": config,
        "config_hash": digest,
        "source_format": config["format"],
        "sources": config["sources"],
        "official_split": official,
        "jets_kept": sum(e["n_jets"] for e in entries),
        "chunks": entries,
    }
