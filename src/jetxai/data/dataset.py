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

Hashing every chunk on every read costs seconds per GB, so a verified chunk's digest is kept in
``DIR/.verified-digests.json`` with the file's size, modification and status-change times and
inode: a chunk whose stamp is unchanged is not read again, while any write to it (which moves
its status-change time, whatever its modification time is set back to) has it hashed and
checked again. Where the directory is read-only the digests are simply not kept.
"""

from __future__ import annotations

import contextlib
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
#: The verified chunk digests, by file name with the file's stamp (see the module docs).
DIGEST_CACHE = ".verified-digests.json"
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


def _stamp(path: Path) -> str:
    """Size, modification and status-change times and inode: what any write to the file
    changes."""
    status = path.stat()
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}"


class VerifiedDigests:
    """The chunk digests of a dataset already checked (:data:`DIGEST_CACHE`), so an unchanged
    chunk is not hashed again; a damaged or foreign cache file is ignored."""

    def __init__(self, root: Path) -> None:
        self.path = root / DIGEST_CACHE
        self.known: dict[str, list[str]] = {}
        self.changed = False
        try:
            loaded = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        if isinstance(loaded, dict):
            self.known = {
                k: v for k, v in loaded.items()
                if isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)
            }  # fmt: skip

    def matches(self, path: Path, expected: str) -> bool:
        """Whether chunk ``path`` has the ``expected`` digest (hashed only if it changed)."""
        stamp = _stamp(path)
        if self.known.get(path.name) == [stamp, expected]:
            return True
        if file_digest(path) != expected:
            return False
        self.known[path.name], self.changed = [stamp, expected], True
        return True

    def save(self) -> None:
        """Keep the digests (atomically; nothing where the directory cannot be written)."""
        if not self.changed:
            return
        with contextlib.suppress(OSError):
            write_json(self.path, self.known)


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
    digests = VerifiedDigests(Path(root))
    for index, path in sorted(files.items()):
        entry = listed[index]
        expected = entry.get("blake2b")
        if expected is not None and not digests.matches(path, str(expected)):
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
    digests.save()
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
