"""On-disk datasets: a directory of chunked Parquet files plus ``manifest.json``.

Layout::

    DIR/manifest.json            config, seeds, versions, counts, cross-section, schema version
    DIR/chunks/chunk-00000.parquet
    DIR/chunks/chunk-00001.parquet ...

Each chunk is written under a temporary name and renamed when complete, and carries its own
book-keeping (seed, events tried, cross-section) in the Parquet key-value metadata, so a run that
is interrupted can be resumed from whatever chunks exist.

The manifest lists every chunk with its number of records and a content hash (``blake2b``), and
reading checks the directory against it: a missing, extra, truncated, altered or copied-in chunk,
chunks whose columns differ, a manifest without ``complete`` or of an unknown schema version are
refused by name, never read silently.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import awkward as ak
import pyarrow as pa
import pyarrow.parquet as pq

from jetxai._io import atomic_path, read_json_object, remove_stale_temporaries, write_json
from jetxai.data.schema import SCHEMA_VERSION
from jetxai.errors import InputError

MANIFEST = "manifest.json"
CHUNK_DIR = "chunks"
_META_KEY = b"jetxai"
_ANNOTATIONS_KEY = b"jetxai.annotations"


def chunk_path(root: str | os.PathLike[str], index: int) -> Path:
    """Path of chunk ``index`` inside the dataset at ``root``."""
    return Path(root) / CHUNK_DIR / f"chunk-{index:05d}.parquet"


def remove_half_written(root: str | os.PathLike[str]) -> None:
    """Remove the temporary files an interrupted run left in a dataset (its manifest's and its
    chunks'). Call it where one run owns the dataset."""
    for directory in (Path(root), Path(root) / CHUNK_DIR):
        remove_stale_temporaries(directory)


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


def _key_value_metadata(path: str | os.PathLike[str]) -> dict[bytes, bytes]:
    """The Parquet key-value metadata of a chunk file."""
    try:
        return pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"{path}: not a readable Parquet chunk ({exc})") from None


def chunk_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The book-keeping stored with a chunk by :func:`write_chunk`."""
    metadata = _key_value_metadata(path)
    if _META_KEY not in metadata:
        raise InputError(f"{path}: Parquet file has no jetxai chunk metadata")
    result: dict[str, Any] = json.loads(metadata[_META_KEY])
    return result


def chunk_annotations(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What later stages recorded about a chunk's columns (see :func:`write_chunk`)."""
    result: dict[str, Any] = json.loads(_key_value_metadata(path).get(_ANNOTATIONS_KEY, b"{}"))
    return result


def list_chunks(root: str | os.PathLike[str]) -> list[Path]:
    """The complete chunk files of a dataset, in chunk order (temporary files are skipped)."""
    directory = Path(root) / CHUNK_DIR
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("chunk-*.parquet") if not p.name.startswith("."))


def file_digest(path: str | os.PathLike[str]) -> str:
    """Content hash of a file (BLAKE2b, 128 bits, hex)."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(root: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of the dataset at ``root`` (a JSON object of a known schema version)."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise InputError(f"{root}: not a jetxai dataset (no {MANIFEST})")
    manifest = read_json_object(path)
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InputError(
            f"{path}: schema_version {version!r} is not {SCHEMA_VERSION} (made by another jetxai)"
        )
    return manifest


def _records(entry: dict[str, Any]) -> int | None:
    for key in ("n_jets", "n_events"):
        if isinstance(entry.get(key), int):
            return int(entry[key])
    return None


def verify_chunks(
    root: str | os.PathLike[str], manifest: dict[str, Any], same_columns: bool = True
) -> list[Path]:
    """The dataset's chunk files, checked against the manifest (see the module docs);
    ``same_columns=False`` for a writer that is adding columns chunk by chunk."""
    if not isinstance(manifest.get("complete"), bool):
        raise InputError(f"{root}: manifest says nothing of whether the dataset is complete")
    if manifest["complete"] is False:
        raise InputError(f"{root}: dataset is incomplete; re-run the command that made it")
    entries = manifest.get("chunks")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("index"), int) for e in entries
    ):
        raise InputError(f"{root}: manifest has no valid chunk list")
    listed = {e["index"]: e for e in entries}
    files = {chunk_index(p): p for p in list_chunks(root)}
    missing = sorted(set(listed) - set(files))
    if missing:
        raise InputError(
            f"{root}: chunk(s) {', '.join(map(str, missing))} of the manifest are missing"
        )
    extra = sorted(set(files) - set(listed))
    if extra:
        shown = ", ".join(files[i].name for i in extra)
        raise InputError(f"{root}: chunk file(s) {shown} are not in the manifest")
    columns: set[str] | None = None
    for index, path in sorted(files.items()):
        entry = listed[index]
        expected = entry.get("blake2b")
        if expected is not None and file_digest(path) != expected:
            raise InputError(
                f"{path}: content differs from what the manifest recorded (altered, truncated "
                "or copied in)"
            )
        try:
            metadata = pq.read_metadata(path)
        except (OSError, pa.ArrowInvalid) as exc:
            raise InputError(f"{path}: cannot read Parquet chunk ({exc})") from None
        rows = _records(entry)
        if rows is not None and metadata.num_rows != rows:
            raise InputError(f"{path}: holds {metadata.num_rows} records, the manifest {rows}")
        meta = chunk_meta(path)
        if meta.get("index") != index or meta.get("config_hash") != manifest.get("config_hash"):
            raise InputError(f"{path}: chunk belongs to another dataset or position")
        names = set(metadata.schema.to_arrow_schema().names)
        if same_columns and columns is not None and names != columns:
            differ = sorted(names ^ columns)
            raise InputError(
                f"{path}: columns differ from the other chunks ({', '.join(differ[:5])}); "
                "re-run the command that adds them"
            )
        columns = names
    return [files[i] for i in sorted(files)]


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
    """Yield the dataset chunk by chunk (for data larger than memory), each chunk checked
    against the manifest first."""
    manifest = read_manifest(root)
    chunks = verify_chunks(root, manifest)
    for path in chunks:
        yield read_chunk(path, columns)


def read(root: str | os.PathLike[str], columns: Sequence[str] | None = None) -> ak.Array:
    """Read a whole jetxai dataset as one awkward array of jets (optionally only ``columns``)."""
    parts = list(iter_chunks(root, columns))
    if not parts:
        raise InputError(f"{root}: dataset has no chunks")
    return parts[0] if len(parts) == 1 else ak.concatenate(parts)
