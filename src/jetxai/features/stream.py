"""Adding XAUG columns to a dataset on disk, one chunk at a time.

Each chunk is read, extended with ``xaug_<name>`` columns and written back atomically, so a
dataset larger than memory works and an interrupted run leaves every chunk either old or new,
never half-written; re-running finishes the chunks that lack the columns.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import awkward as ak
from tqdm.auto import tqdm

from jetxai._quiet import bar_disabled
from jetxai.data.dataset import (
    chunk_annotations,
    chunk_index,
    chunk_meta,
    chunk_path,
    file_digest,
    read_chunk,
    read_manifest,
    remove_half_written,
    verify_chunks,
    write_chunk,
    write_manifest,
)
from jetxai.errors import InputError
from jetxai.features.nsubjettiness import AXES, DEFAULT_AXES
from jetxai.features.registry import XAUG_NAMES, _check_names, xaug

#: Prefix of the XAUG columns in a dataset.
PREFIX = "xaug_"
#: Chunk-annotation and manifest key naming the N-subjettiness axes of the τ columns.
TAU_AXES_KEY = "xaug_tau_axes"
#: What τ columns written before the axes were recorded used.
_LEGACY_TAU_AXES = "kt"


def column(name: str) -> str:
    """Dataset column holding XAUG variable ``name``."""
    return PREFIX + name


def _uses_tau(name: str) -> bool:
    return name.startswith("tau")


def add_xaug(
    root: str | os.PathLike[str],
    names: Sequence[str] | None = None,
    progress: bool = True,
    tau_axes: str = DEFAULT_AXES,
) -> dict[str, Any]:
    """Add the XAUG variables ``names`` (default: all) as columns to the dataset at ``root``.

    ``tau_axes`` names the N-subjettiness axes; τ columns a chunk holds for other axes are
    recomputed (each chunk records its axes). Returns the updated manifest, whose ``"xaug"``
    entry lists the variables every chunk holds and ``"xaug_tau_axes"`` their axes.
    """
    chosen = _check_names(names)
    AXES.choose(tau_axes)
    manifest = read_manifest(root)
    if manifest.get("kind", "jets") != "jets":
        raise InputError(f"{root}: XAUG variables are per jet; this is an event-level dataset")
    remove_half_written(root)  # what an interrupted run left
    chunks = verify_chunks(root, manifest, same_columns=False)  # damage is never re-hashed
    if not chunks:
        raise InputError(f"{root}: dataset has no chunks")
    entries = {e["index"]: e for e in manifest["chunks"]}
    wanted = [column(n) for n in chosen]
    for path in tqdm(chunks, desc="xaug", unit="chunk", disable=bar_disabled(progress)):
        jets = read_chunk(path)
        notes = chunk_annotations(path)
        stale = notes.get(TAU_AXES_KEY, _LEGACY_TAU_AXES) != tau_axes
        missing = [
            n
            for n, c in zip(chosen, wanted, strict=True)
            if c not in ak.fields(jets) or (stale and _uses_tau(n))
        ]
        if stale:  # τ columns not asked for this time are recomputed too, never left stale
            missing += [
                n
                for n in XAUG_NAMES
                if _uses_tau(n) and n not in missing and column(n) in ak.fields(jets)
            ]
        if not missing and TAU_AXES_KEY in notes:
            continue
        for name, values in xaug(jets, missing, tau_axes=tau_axes).items():
            jets = ak.with_field(jets, values, column(name))
        notes[TAU_AXES_KEY] = tau_axes
        index = chunk_index(path)
        # the manifest follows every rewritten chunk: its hash is marked unknown first, so a
        # crash between the two writes leaves a chunk that is re-hashed, not one refused
        entries[index]["blake2b"] = None
        write_manifest(root, manifest)
        write_chunk(root, index, jets, chunk_meta(path), notes)
        entries[index]["blake2b"] = file_digest(path)
        write_manifest(root, manifest)
    present = set(XAUG_NAMES) & {
        f.removeprefix(PREFIX) for f in ak.fields(read_chunk(chunks[0])) if f.startswith(PREFIX)
    }
    for index, entry in entries.items():  # chunks a crashed run left with an unknown hash
        if entry.get("blake2b") is None:
            entry["blake2b"] = file_digest(chunk_path(root, index))
    manifest["xaug"] = [n for n in XAUG_NAMES if n in present]
    manifest[TAU_AXES_KEY] = tau_axes
    write_manifest(root, manifest)
    return manifest
