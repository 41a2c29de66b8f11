"""On-disk datasets: a directory of chunked Parquet files plus ``manifest.json``.

Layout::

    DIR/manifest.json            config, seeds, versions, counts, cross-section, schema version
    DIR/chunks/chunk-00000.parquet
    DIR/chunks/chunk-00001.parquet ...

Each chunk is written under a temporary name and renamed when complete, and carries its own
book-keeping (seed, events tried, cross-section) in the Parquet key-value metadata, so a run that
is interrupted can be resumed from whatever chunks exist.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import awkward as ak
import pyarrow as pa
import pyarrow.parquet as pq

from jetxai._io import atomic_path, write_json
from jetxai.errors import InputError

MANIFEST = "manifest.json"
CHUNK_DIR = "chunks"
_META_KEY = b"jetxai"
_ANNOTATIONS_KEY = b"jetxai.annotations"


def chunk_path(root: str | os.PathLike[str], index: int) -> Path:
    """Path of chunk ``index`` inside the dataset at ``root``."""
    return Path(root) / CHUNK_DIR / f"chunk-{index:05d}.parquet"


def chunk_index(path: str | os.PathLike[str]) -> int:
    """The index of a chunk file, from its name ``chunk-NNNNN.parquet``."""
    return int(Path(path).stem.removeprefix("chunk-"))


def write_chunk(
    root: str | os.PathLike[str],
    index: int,
    jets: ak.Array,
    meta: dict[str, Any],
    annotations: dict[str, Any] | None = None,
) -> Path:
    """Write ``jets`` as chunk ``index`` atomically, with ``meta`` (the generator's book-keeping)
    and ``annotations`` (what later stages record about their columns) in the Parquet metadata."""
    target = chunk_path(root, index)
    target.parent.mkdir(parents=True, exist_ok=True)
    table = ak.to_arrow_table(jets, extensionarray=False)
    metadata = {_META_KEY: json.dumps(meta).encode()}
    if annotations:
        metadata[_ANNOTATIONS_KEY] = json.dumps(annotations).encode()
    table = table.replace_schema_metadata(metadata)
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return target


def chunk_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The book-keeping stored with a chunk by :func:`write_chunk`."""
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"{path}: not a readable Parquet chunk ({exc})") from None
    if _META_KEY not in metadata:
        raise InputError(f"{path}: Parquet file has no jetxai chunk metadata")
    result: dict[str, Any] = json.loads(metadata[_META_KEY])
    return result


def chunk_annotations(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What later stages recorded about a chunk's columns (see :func:`write_chunk`)."""
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"{path}: not a readable Parquet chunk ({exc})") from None
    result: dict[str, Any] = json.loads(metadata.get(_ANNOTATIONS_KEY, b"{}"))
    return result


def list_chunks(root: str | os.PathLike[str]) -> list[Path]:
    """The complete chunk files of a dataset, in chunk order (temporary files are skipped)."""
    directory = Path(root) / CHUNK_DIR
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("chunk-*.parquet") if not p.name.startswith("."))


def read_manifest(root: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of the dataset at ``root``."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise InputError(f"{root}: not a jetxai dataset (no {MANIFEST})")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: manifest is not valid JSON ({exc.msg})") from None
    return manifest


def write_manifest(root: str | os.PathLike[str], manifest: dict[str, Any]) -> None:
    """Write the manifest of the dataset at ``root`` atomically."""
    write_json(Path(root) / MANIFEST, manifest)


def read_chunk(path: str | os.PathLike[str], columns: Sequence[str] | None = None) -> ak.Array:
    """One chunk file as an awkward array of jets."""
    try:
        table = pq.read_table(path, columns=list(columns) if columns is not None else None)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"{path}: cannot read Parquet chunk ({exc})") from None
    except KeyError as exc:
        raise InputError(f"{path}: missing column {exc}") from None
    return ak.from_arrow(table)


def iter_chunks(
    root: str | os.PathLike[str], columns: Sequence[str] | None = None
) -> Iterator[ak.Array]:
    """Yield the dataset chunk by chunk (for data larger than memory)."""
    manifest = read_manifest(root)
    chunks = list_chunks(root)
    if manifest.get("complete") is False:
        raise InputError(f"{root}: dataset is incomplete; re-run the command that made it")
    for path in chunks:
        yield read_chunk(path, columns)


def read(root: str | os.PathLike[str], columns: Sequence[str] | None = None) -> ak.Array:
    """Read a whole jetxai dataset as one awkward array of jets (optionally only ``columns``)."""
    parts = list(iter_chunks(root, columns))
    if not parts:
        raise InputError(f"{root}: dataset has no chunks")
    return parts[0] if len(parts) == 1 else ak.concatenate(parts)
