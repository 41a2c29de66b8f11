"""Generating a whole jet dataset: validation, resume, serial or Dask-parallel chunks, manifest."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import awkward as ak

from jetxai._dask import completed, dask_client
from jetxai._quiet import bar_disabled
from jetxai._versions import versions
from jetxai.catalogue.events import STAGES
from jetxai.data.dataset import (
    chunk_meta,
    chunk_path,
    file_digest,
    list_chunks,
    read_chunk,
    read_manifest,
    remove_half_written,
    write_chunk,
    write_manifest,
)
from jetxai.data.schema import SCHEMA_VERSION
from jetxai.errors import InputError
from jetxai.generate import _pythia
from jetxai.generate._pythia import AnyConfig
from jetxai.generate.chunk import chunk_seed, generate_chunk
from jetxai.generate.config import GeneratorConfig

_VERSIONED = ("jetxai", "pythia8mc", "fastjet", "awkward", "pyarrow", "numpy", "distributed")


class GenerationWarning(UserWarning):
    """A known limit of the sample being generated (for example jets its p̂_T window misses)."""


def config_hash(config: AnyConfig) -> str:
    """A short stable digest of ``config`` that identifies its chunks."""
    text = json.dumps(config.identity(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _prepare_output(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".probe-"):
            pass
    except OSError as exc:
        raise InputError(f"cannot write to output directory {out}: {exc.strerror}") from None


def _existing_chunks(out: Path, config: AnyConfig, digest: str) -> dict[int, dict[str, Any]]:
    """Completed chunks already in ``out``; refuse a directory made with another config."""
    if not (out / "manifest.json").exists():
        if list_chunks(out):
            raise InputError(f"{out} holds chunks but no manifest; use an empty directory")
        return {}
    previous = read_manifest(out).get("config", {})
    mine = config.to_dict()
    differing = sorted(k for k in set(previous) | set(mine) if previous.get(k) != mine.get(k))
    if differing:
        details = ", ".join(f"{k}: {previous.get(k)!r} != {mine.get(k)!r}" for k in differing)
        raise InputError(f"{out} was generated with a different config ({details})")
    done = {}
    for path in list_chunks(out):
        meta = chunk_meta(path)
        if meta.get("config_hash") == digest and meta["index"] < config.n_chunks:
            done[meta["index"]] = _with_digest(meta, path)
    return done


def _with_digest(meta: dict[str, Any], path: Path) -> dict[str, Any]:
    """A chunk's book-keeping with the hash of its file, for the manifest."""
    return {**meta, "blake2b": file_digest(path)}


def _manifest(config: AnyConfig, digest: str, chunks: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The manifest of the chunks done so far (each entry its chunk's book-keeping and, under
    ``blake2b``, the hash of its file)."""
    complete = len(chunks) == config.n_chunks
    ordered = [chunks[i] for i in sorted(chunks)]
    events = sum(c["events_generated"] for c in ordered)
    # Each chunk's Pythia estimate of the cross-section, combined weighted by its events.
    sigma = sum(c["sigma_pb"] * c["events_generated"] for c in ordered) / events if events else 0
    sigma_err = (
        sum((c["sigma_err_pb"] * c["events_generated"]) ** 2 for c in ordered) ** 0.5 / events
        if events
        else 0
    )
    tried = sum(c["events_tried"] for c in ordered)
    kind = config.kind
    kept = sum(c[f"n_{kind}"] for c in ordered)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "complete": complete,
        "config": config.to_dict(),
        "config_hash": digest,
        "seeds": {
            "seed": config.seed,
            "chunks": [chunk_seed(config.seed, i) for i in range(config.n_chunks)],
        },
        "pythia_settings": _pythia.settings(config, seed="<seeds.chunks[i]>"),
        "versions": versions(_VERSIONED),
        "events_tried": tried,
        "events_generated": events,
        f"{kind}_kept": kept,
        f"{kind}_per_event": kept / tried if tried else 0.0,
        "cross_section_pb": sigma,
        "cross_section_err_pb": sigma_err,
        "cross_section_unit": "pb",
        "caveats": config.caveats(),
        "chunks": ordered,
    }
    if config.weighted:
        manifest.update(_event_book_keeping(ordered, sigma, tried, complete))
    if isinstance(config, GeneratorConfig) and config.jet_weights:
        manifest.update(_jet_book_keeping(config, ordered, sigma, complete))
    if config.parton_cut is not None:
        manifest["preselection"] = _preselection_book_keeping(config, ordered)
    return manifest


def _preselection_book_keeping(config: AnyConfig, chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """The parton-level pre-selection's cut and how many events it spared hadronising
    (``events_generated`` counts only the events it kept)."""
    showered = sum(c["events_showered"] for c in chunks)
    vetoed = sum(c["events_vetoed"] for c in chunks)
    return {
        "cut": config.parton_cut._asdict(),  # type: ignore[union-attr]
        "events_showered": showered,
        "events_vetoed": vetoed,
        "vetoed_share": vetoed / showered if showered else 0.0,
    }


def _jet_book_keeping(
    config: GeneratorConfig, chunks: list[dict[str, Any]], sigma: float, complete: bool
) -> dict[str, Any]:
    """Biased sampling's weights: the scale from Pythia's weights to pb, the selected yield, the
    Kish effective number of jets and what each costs in events."""
    tried = sum(c["weight_sum_tried"] for c in chunks)
    kept = sum(c["weight_sum_kept"] for c in chunks)
    squares = sum(c["weight_square_sum_kept"] for c in chunks)
    effective = kept**2 / squares if squares else 0.0
    events = sum(c["events_tried"] for c in chunks)
    return {
        "sampling": {
            "pthat": config.pthat_sampling,
            "pthat_window": config.pthat_window,
            "settings": config.generator_settings(),
        },
        "weight_pb": sigma / tried if tried else 0.0,
        "weight_unit": "pb per Pythia weight unit: a jet's weight is its event's weight x this "
        "(the weights sum to the selected jets' yield per pb^-1)",
        "selected_yield_pb": sigma * kept / tried if tried else 0.0,
        "effective_jets": effective,
        "events_per_effective_jet": events / effective if effective else None,
        "weights_final": complete,
    }


def _event_book_keeping(
    chunks: list[dict[str, Any]], sigma: float, tried: int, complete: bool
) -> dict[str, Any]:
    """Cut flow with efficiencies and yields, and the per-event weight, for an event dataset."""
    flow = {}
    for stage in STAGES:
        count = sum(c["cut_flow"][stage] for c in chunks)
        efficiency = count / tried if tried else 0.0
        flow[stage] = {"events": count, "efficiency": efficiency, "yield_pb": sigma * efficiency}
    return {
        "cut_flow": flow,
        "weight_pb": sigma / tried if tried else 0.0,
        "weight_unit": "pb: expected selected events per pb^-1 (sum = sigma x efficiency)",
        "weights_final": complete,
    }


def _write_weights(
    out: Path, chunks: dict[int, dict[str, Any]], weight: float, per_record: bool
) -> None:
    """Give every stored record its weight in pb (rewrites each chunk): the dataset's σ /
    events tried for events, or (``per_record``) its event's generator weight × ``weight``."""
    for index, meta in sorted(chunks.items()):
        if meta.get("weight_pb") == weight:
            continue  # already final (a resumed run that crashed while writing weights)
        path = chunk_path(out, index)
        records = read_chunk(path)
        if per_record:  # from the generator's units (or an earlier scale) to pb
            new = records.weight * (weight / meta.get("weight_pb", 1.0))
        else:
            new = ak.full_like(records.weight, weight)
        records = ak.with_field(records, new, "weight")
        meta.pop("blake2b", None)
        meta["weight_pb"] = weight
        write_chunk(out, index, records, meta)
        meta["blake2b"] = file_digest(path)


def generate(
    config: AnyConfig,
    out: str | os.PathLike[str],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Generate the dataset described by ``config`` into ``out`` and return its manifest.

    With ``workers=1`` and no ``scheduler`` chunks run in this process; otherwise on Dask
    distributed — a ``LocalCluster`` of ``workers`` processes, or the scheduler at address
    ``scheduler`` (its workers must see ``out`` on a shared filesystem). Re-running into the same
    directory with the same config generates only the missing chunks.
    """
    if workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    out = Path(out).resolve()
    _pythia.check(config)
    _prepare_output(out)
    remove_half_written(out)  # what an interrupted earlier run left
    for caveat in config.caveats():
        warnings.warn(caveat, GenerationWarning, stacklevel=2)
    digest = config_hash(config)
    done = _existing_chunks(out, config, digest)
    write_manifest(out, _manifest(config, digest, done))
    todo = [i for i in range(config.n_chunks) if i not in done]

    from tqdm.auto import tqdm

    count = f"n_{config.kind}"
    bar = tqdm(
        total=config.n_items,
        initial=sum(c[count] for c in done.values()),
        desc=f"generate {config.process}",
        unit=config.level,
        disable=bar_disabled(progress),
    )
    with bar:
        if workers == 1 and scheduler is None:
            for index in todo:
                meta = generate_chunk(config, index, out, digest, progress=bar.update)
                done[index] = _with_digest(meta, chunk_path(out, index))
                write_manifest(out, _manifest(config, digest, done))
        else:
            for meta in _run_dask(config, todo, out, digest, workers, scheduler):
                done[meta["index"]] = _with_digest(meta, chunk_path(out, meta["index"]))
                bar.update(meta[count])
                write_manifest(out, _manifest(config, digest, done))
    manifest = _manifest(config, digest, done)
    if config.weighted or config.jet_weights:
        # the weight needs every chunk's cross-section and events tried: written last, so the
        # manifest says complete only once every chunk holds it
        write_manifest(out, {**manifest, "complete": False, "weights_final": False})
        _write_weights(out, done, manifest["weight_pb"], per_record=config.jet_weights)
        manifest = _manifest(config, digest, done)
    write_manifest(out, manifest)
    return manifest


def _run_dask(
    config: AnyConfig,
    todo: list[int],
    out: Path,
    digest: str,
    workers: int,
    scheduler: str | None,
) -> Iterable[dict[str, Any]]:
    """Yield each chunk's book-keeping as its Dask task finishes."""
    with dask_client(workers, scheduler, "generate") as client:
        calls = [(f"chunk-{digest}-{i}", (config, i, str(out), digest)) for i in todo]
        yield from completed(client, generate_chunk, calls, "chunks")
