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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import awkward as ak

from jetxai._quiet import bar_disabled
from jetxai._registry import choose

# each reader module registers its format in FORMATS at its reader's definition
from jetxai.data import energyflow, jetclass, top_landscape  # noqa: F401
from jetxai.data._build import counting_negative_energies
from jetxai.data.dataset import (
    chunk_meta,
    chunk_path,
    file_digest,
    list_chunks,
    read_manifest,
    remove_half_written,
    write_chunk,
    write_manifest,
)
from jetxai.data.formats import FORMATS, PublicFormat
from jetxai.data.schema import SCHEMA_VERSION, SPLIT_CODES, split_names
from jetxai.errors import InputError


def _config_hash(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]


def _jets_identity(config: dict[str, Any]) -> str:
    """What identifies an import's jets: the format, the files' contents and the part of the
    split they are — not the files' names, their order or the chunk size."""
    digests = sorted(source["blake2b"] for source in config["sources"])
    return _config_hash({"format": config["format"], "split": config["split"], "files": digests})


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
    remove_half_written(out)  # what an interrupted run left, chunks included
    entries, done = _resume(out, digest)

    from tqdm.auto import tqdm

    bar = tqdm(desc=f"import {fmt}", unit="jet", disable=bar_disabled(progress))
    for path, source in zip(paths, sources, strict=True):
        if source["blake2b"] in done:
            continue
        written = sum(e["source"] == source["blake2b"] for e in entries)
        for piece, negative in _counted(public.pieces(path, chunk_size, skip=written)):
            entry = _write_piece(out, public, piece, split, digest, len(entries), source)
            entries.append(entry | {"negative_energy_constituents": negative})
            bar.update(len(piece))
            # after every chunk: a run stopped anywhere resumes at the next one
            write_manifest(out, _manifest(config, digest, entries, done, complete=False))
        done.append(source["blake2b"])
        write_manifest(out, _manifest(config, digest, entries, done, complete=False))
    bar.close()
    manifest = _manifest(config, digest, entries, done, complete=True)
    if manifest["jets_kept"] == 0:
        negative = manifest["dropped"]["negative_energy_constituents"]
        raise InputError(
            f"no jet of these files has a constituent with E > 0 ({negative} constituents have "
            "negative energy): nothing to import"
        )
    write_manifest(out, manifest)
    return manifest


def _counted(pieces: Iterator[ak.Array]) -> Iterator[tuple[ak.Array, int]]:
    """Each piece with the number of its constituents dropped for negative energy."""
    while True:
        with counting_negative_energies() as tally:
            piece = next(pieces, None)
        if piece is None:
            return
        yield piece, tally[0]


def _write_piece(
    out: Path,
    public: PublicFormat,
    piece: ak.Array,
    split: str | None,
    digest: str,
    index: int,
    source: dict[str, Any],
) -> dict[str, Any]:
    """Write ``piece`` as chunk ``index`` (with its official split, where there is one); return
    its manifest entry."""
    codes = public.split(piece) if public.split is not None else None
    if codes is None and split is not None:
        codes = split_names(split, len(piece))
    if codes is not None:
        piece = ak.with_field(piece, codes, "split")
    # a jet left without a constituent of positive energy is no jet: dropped and counted
    empty = ak.to_numpy(piece.jet_nparticles) == 0
    piece = piece[~empty]
    meta = {"index": index, "config_hash": digest, "n_jets": len(piece)}
    write_chunk(out, index, piece, meta | {"source": source["file"]})
    digest_of_chunk = file_digest(chunk_path(out, index))
    return meta | {
        "source": source["blake2b"],
        "blake2b": digest_of_chunk,
        "dropped_without_constituents": int(empty.sum()),
    }


def _resume(out: Path, digest: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The chunk entries and the source files (digests, in order) already imported into ``out``
    by the same import. Every recorded chunk is checked against its hash: the entries end
    before the first that is missing or differs, and the files from its one on are imported
    again. Chunks without a manifest (a run killed before its first manifest) are this import's
    when their own metadata says so, and are written again."""
    if not (out / "manifest.json").exists():
        for path in list_chunks(out):
            if chunk_meta(path).get("config_hash") != digest:
                raise InputError(f"{out} holds chunks of another dataset; use an empty directory")
        return [], []
    manifest = read_manifest(out)
    if manifest.get("config_hash") != digest:
        raise InputError(f"{out} was imported from other files or with other options")
    entries = [e for e in manifest.get("chunks", []) if isinstance(e, dict)]
    # manifests from before "files_done" were written once per finished file
    done = list(manifest.get("files_done", dict.fromkeys(e["source"] for e in entries)))
    for number, entry in enumerate(entries):
        path = chunk_path(out, entry["index"])
        if entry["index"] != number or not path.is_file() or file_digest(path) != entry["blake2b"]:
            done = done[: done.index(entry["source"])] if entry["source"] in done else done
            return entries[:number], done
    return entries, done


def _manifest(
    config: dict[str, Any],
    digest: str,
    entries: list[dict[str, Any]],
    done: list[str],
    complete: bool,
) -> dict[str, Any]:
    official = FORMATS[config["format"]].split is not None or config["split"] is not None
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "jets",
        "complete": complete,
        "config": config,
        "config_hash": digest,
        "jets_identity": _jets_identity(config),
        "source_format": config["format"],
        "sources": config["sources"],
        "official_split": official,
        "jets_kept": sum(e["n_jets"] for e in entries),
        "dropped": {
            "no_constituent_with_positive_energy": sum(
                e.get("dropped_without_constituents", 0) for e in entries
            ),
            "negative_energy_constituents": sum(
                e.get("negative_energy_constituents", 0) for e in entries
            ),
        },
        "chunks": entries,
        "files_done": done,
    }
