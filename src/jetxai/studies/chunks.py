"""Explaining test jets chunk by chunk: in this process or on Dask workers, each chunk written
atomically and reused when a run resumes.

A chunk is :data:`CHUNK_BATCHES` batches of consecutive test jets. Its result (what the
relevance file and the summary need of it: :func:`jetxai.studies.summary.chunk_parts`, computed
where the chunk is explained) goes to ``out/chunks/seed-<k>/chunk-<i>.npz`` under a key naming the
checkpoint's weights, every option that shapes it, the datasets and rows explained and the
chunk's own number; a re-run reuses the chunks whose key matches (a chunk file moved to another
number, or made from other data, is explained again). Batches are the same however the jets
are chunked or spread over workers, and every random draw is seeded by the jet's position in
the test split, so on the CPU any number of Dask workers (one thread each) gives bit-identical
relevances.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import torch

from jetxai import kinematics
from jetxai._io import atomic_path
from jetxai.errors import InputError
from jetxai.explain.targets import Logit, fold
from jetxai.models import load, prepare_inputs
from jetxai.models.taggers import Tagger
from jetxai.studies.options import STUDY_METHODS
from jetxai.studies.summary import chunk_parts

#: method name → function(model, inputs, additional, **options) → (relevances tuple, delta,
#: relevance inside the model by name: source shares per jet, pair matrices, IG's steps)
Explainer = Callable[..., tuple[tuple[torch.Tensor, ...], torch.Tensor, dict[str, torch.Tensor]]]
#: Bins of a pair's ΔR_ij for the pair-relevance profile.
PAIR_DR_BINS = np.linspace(0.0, 1.0, 11)
#: Batches per chunk: what one task explains, writes and resumes.
CHUNK_BATCHES = 4
#: What a chunk file holds (raised when that changes, so older files are explained again).
CHUNK_FORMAT = 3


def _explainer(method: str) -> Explainer:
    """``method`` of :func:`jetxai.explain.attribute` returning (relevances tuple, delta, {})."""

    def explain(
        model: Tagger,
        inputs: tuple[torch.Tensor, ...],
        additional: tuple[torch.Tensor, ...],
        **options: Any,
    ) -> tuple[tuple[torch.Tensor, ...], torch.Tensor, dict[str, torch.Tensor]]:
        from jetxai.explain import attribute

        adaptive = method == "ig" and (  # the steps each jet took are recorded
            options.get("n_steps") in ("auto", "exact") or options.get("tolerance") is not None
        )
        relevance, delta, *steps = attribute(
            model,
            inputs,
            method=method,
            additional_forward_args=additional,
            return_convergence_delta=True,
            **options,
            **({"return_steps": True} if adaptive else {}),
        )
        return tuple(relevance), delta, ({"ig_steps": steps[0]} if steps else {})

    return explain


def _lrp(
    model: Tagger,
    inputs: tuple[torch.Tensor, ...],
    additional: tuple[torch.Tensor, ...],
    **options: Any,
) -> tuple[tuple[torch.Tensor, ...], torch.Tensor, dict[str, torch.Tensor]]:
    """LRP with what it finds inside the model: ``source:<name>`` per-jet shares and
    ``pairs:<name>`` (N, n, n) pair relevance."""
    from jetxai.explain.lrp import lrp_decomposition

    result = lrp_decomposition(model, inputs, additional_forward_args=additional, **options)
    totals = result.totals()
    inside = {f"source:{name}": totals[name] for name in result.sources}
    for name, relevance in result.internal.items():
        if relevance.dim() == 3:
            inside[f"pairs:{name}"] = relevance
    return result.inputs, result.delta, inside


METHODS: dict[str, Explainer] = {name: _explainer(name) for name in STUDY_METHODS} | {"lrp": _lrp}


class _PairProfile:
    """Mean |pair relevance| in bins of the pair's ΔR_ij, overall and per class, accumulated
    batch by batch (the (N, n, n) matrices are never kept)."""

    def __init__(self) -> None:
        self.sums: dict[str, np.ndarray] = {}
        self.counts: dict[str, np.ndarray] = {}

    def add(self, relevance: np.ndarray, jets: ak.Array, labels: np.ndarray) -> None:
        from jetxai.features import constituents

        angles, mask = constituents(jets, n=relevance.shape[1], fields=("deta", "dphi"))
        eta, phi = angles[..., 0], angles[..., 1]
        dr = kinematics.delta_r(eta[:, :, None], phi[:, :, None], eta[:, None, :], phi[:, None, :])
        pairs = mask[:, :, None] & mask[:, None, :] & ~np.eye(mask.shape[1], dtype=bool)
        for part, rows in (
            ("all", slice(None)),
            ("signal", labels == 1),
            ("background", labels == 0),
        ):
            chosen = pairs[rows]
            bins = np.digitize(dr[rows][chosen], PAIR_DR_BINS) - 1
            inside = (bins >= 0) & (bins < len(PAIR_DR_BINS) - 1)
            weights = np.abs(relevance[rows][chosen])[inside]
            size = len(PAIR_DR_BINS) - 1
            self.sums[part] = self.sums.get(part, np.zeros(size)) + np.bincount(
                bins[inside], weights, size
            )
            self.counts[part] = self.counts.get(part, np.zeros(size)) + np.bincount(
                bins[inside], minlength=size
            )

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        """The sums and counts as ``pairsum:<name>:<part>`` / ``paircount:…`` arrays, which add
        up over chunks (:func:`merge`)."""
        return {f"pairsum:{name}:{part}": v for part, v in self.sums.items()} | {
            f"paircount:{name}:{part}": v for part, v in self.counts.items()
        }


def pair_profiles(result: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """Per pair tap, the mean |pair relevance| per ΔR_ij bin (overall and per class) from the
    merged ``pairsum`` / ``paircount`` arrays of a result."""
    profiles: dict[str, dict[str, Any]] = {}
    for key in sorted(result):
        if key.startswith("pairsum:"):
            _, name, part = key.split(":")
            sums, counts = result[key], result[f"paircount:{name}:{part}"]
            profile = profiles.setdefault(name, {"bins": PAIR_DR_BINS.tolist()})
            profile[part] = np.divide(
                sums, counts, out=np.zeros_like(sums), where=counts > 0
            ).tolist()
    return profiles


def _batched(
    method: str,
    model: Tagger,
    jets: ak.Array,
    labels: np.ndarray,
    batch_size: int,
    options: dict[str, Any],
    first: int,
    advance: Callable[[int], object] | None,
    probe_at: int | None = 0,
) -> dict[str, np.ndarray]:
    """The explanation of ``jets`` (the test jets from number ``first`` on), batch by batch, as
    the chunk's :func:`jetxai.studies.summary.chunk_parts`; LRP's conservation probe runs on the
    batch starting at test jet ``probe_at``."""
    explainer = METHODS[method]
    device = next(model.parameters()).device
    parts: dict[str, list[np.ndarray]] = {}
    profiles: dict[str, _PairProfile] = {}
    for start in range(0, len(jets), batch_size):
        batch = jets[start : start + batch_size]
        inputs, additional = prepare_inputs(model, batch)
        inputs = tuple(x.to(device) for x in inputs)
        additional = tuple(x.to(device) for x in additional)
        # LRP's conservation probe checks the model, not the jets: once per run is enough
        probe = first + start == probe_at
        once = {"check_conservation": False} if not probe and method == "lrp" else {}
        drawn = options.get("baselines")
        per_batch = {"baselines": drawn(inputs, first + start)} if callable(drawn) else {}
        relevance, delta, inside = explainer(
            model, inputs, additional, **(options | per_batch), **once
        )
        with torch.no_grad():
            logit = model(*inputs, *additional)
        if not torch.isfinite(logit).all() or not all(torch.isfinite(r).all() for r in relevance):
            raise InputError(
                "the model gives non-finite outputs or relevances on these jets; no ranking is "
                "made from them"
            )
        names = (["low_level"] if model.representation != "xaug" else []) + (
            ["xaug"] if model.n_xaug else []
        )
        for name, value in zip(names, relevance, strict=True):
            parts.setdefault(name, []).append(_numpy(value))
        if additional:
            parts.setdefault("mask", []).append(additional[0].cpu().numpy())
        parts.setdefault("delta", []).append(_numpy(delta))
        parts.setdefault("logit", []).append(_numpy(logit))
        for name, value in inside.items():
            if name.startswith("pairs:"):
                profile = profiles.setdefault(name.removeprefix("pairs:"), _PairProfile())
                profile.add(_numpy(value), batch, labels[start : start + batch_size])
            else:
                parts.setdefault(name, []).append(_numpy(value))
        if advance is not None:
            advance(len(batch))
    result = {k: np.concatenate(v) for k, v in parts.items()}
    for name, profile in profiles.items():
        result |= profile.arrays(name)
    return chunk_parts(result, jets, labels, model.spec)


def _numpy(value: torch.Tensor) -> np.ndarray:
    """A result tensor on the CPU in float64 (integers, such as IG's steps, as int64)."""
    value = value.detach().cpu()
    return (value.double() if value.is_floating_point() else value.long()).numpy()


def chunk_key(
    checkpoint: Path,
    recorded: dict[str, Any],
    datasets: Sequence[str],
    rows: np.ndarray,
    batch_size: int,
) -> str:
    """What a chunk file must have been made with to be reused: the checkpoint's weights, the
    options that shape the relevances, the jets explained (the ``datasets``' manifest hashes in
    order and the ``rows`` of them explained) and their batching."""
    from jetxai.data.dataset import file_digest

    identity = {
        "weights": file_digest(checkpoint / "model.safetensors"),
        "options": recorded,
        "datasets": list(datasets),
        "rows": hashlib.sha256(np.ascontiguousarray(rows, dtype=np.int64).tobytes()).hexdigest(),
        "n_jets": len(rows),
        "batch_size": batch_size,
        "chunk_batches": CHUNK_BATCHES,
        "format": CHUNK_FORMAT,
    }
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _stored_key(key: str, number: int) -> str:
    """The key chunk ``number`` of a run keyed ``key`` is stored under."""
    return f"{key}/{number}"


def _save(path: Path, key: str, number: int, result: dict[str, np.ndarray]) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        arrays = {"__key__": np.array(_stored_key(key, number))} | result
        np.savez(handle, allow_pickle=False, **arrays)


def _load(path: Path, key: str, number: int) -> dict[str, np.ndarray] | None:
    """Chunk ``number``'s result, or None where the file is missing, unreadable or made
    otherwise."""
    try:  # the file is opened here, so a damaged one is closed however numpy fails on it
        with open(path, "rb") as handle:
            stored = np.load(handle, allow_pickle=False)
            if not isinstance(stored, np.lib.npyio.NpzFile):
                return None  # a bare array file
            with stored:
                if str(stored["__key__"]) != _stored_key(key, number):
                    return None
                return {name: stored[name] for name in stored.files if name != "__key__"}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


@contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """torch's intra-op threads set to ``count`` (None: unchanged) for the block."""
    previous = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@functools.lru_cache(maxsize=4)
def _worker_model(checkpoint: str, key: str, device: str, logit: Logit | None = None) -> Tagger:
    """A worker's copy of the model, loaded once for all the chunks it explains (``key`` names
    the weights, so a changed checkpoint is loaded again); a multi-class tagger folded to the
    ``logit`` explained."""
    return explained_model(checkpoint, device, logit)


def explained_model(checkpoint: str | Path, device: str, logit: Logit | None) -> Tagger:
    """The model of ``checkpoint`` as explained: itself, or (a multi-class tagger) its binary
    copy whose one logit is ``logit``'s (:func:`jetxai.explain.targets.fold`)."""
    model = load(checkpoint, device=device)
    return model if logit is None else fold(model, logit)


@dataclass(frozen=True)
class ChunkTask:
    """One chunk of explanation work: the jets ``source[rows]`` (explained jets ``first`` on,
    with their ``labels``), explained by ``method`` with ``options`` in batches of
    ``batch_size`` by the model of ``checkpoint``, written to ``path`` under ``key``.
    ``source`` is an awkward array of jets or a :class:`jetxai.data.rows.LazyJets` (read where
    the chunk is explained); ``threads`` (None: unchanged) are torch's intra-op threads there;
    LRP's conservation probe runs on the batch starting at test jet ``probe_at``; ``logit``:
    the logit of a multi-class tagger explained."""

    checkpoint: str
    method: str
    options: dict[str, Any]
    source: Any
    rows: np.ndarray | slice
    labels: np.ndarray
    first: int
    batch_size: int
    path: str
    key: str
    device: str = "cpu"
    threads: int | None = None
    probe_at: int | None = 0
    logit: Logit | None = None


@dataclass(frozen=True)
class ChunkDone:
    """What an explained chunk reports: its number of jets and the warnings it raised (a Dask
    worker's warnings are not the caller's, so they come back to be raised there)."""

    n_jets: int
    warnings: list[tuple[str, type[Warning]]] = field(default_factory=list)


def explain_chunk(task: ChunkTask) -> ChunkDone:
    """Explain one chunk with the worker's copy of the model and write its file."""
    with warnings.catch_warnings(record=True) as caught, _threads(task.threads):
        warnings.simplefilter("always")
        model = _worker_model(task.checkpoint, task.key, task.device, task.logit)
        n_jets = _explain_task(task, model, None)
    return ChunkDone(n_jets, [(str(w.message), w.category) for w in caught])


def _explain_remote(task: ChunkTask, options: dict[str, Any]) -> ChunkDone:
    """:func:`explain_chunk` on a Dask worker, with the options sent beside the task."""
    return explain_chunk(dataclasses.replace(task, options=options))


def _explain_task(task: ChunkTask, model: Tagger, advance: Callable[[int], object] | None) -> int:
    """Explain ``task``'s jets with ``model``, write its file; return its number of jets."""
    jets = task.source[task.rows]
    result = _batched(
        task.method,
        model,
        jets,
        task.labels,
        task.batch_size,
        task.options,
        task.first,
        advance,
        task.probe_at,
    )
    _save(Path(task.path), task.key, task.first // chunk_size(task.batch_size), result)
    return len(jets)


def chunk_size(batch_size: int) -> int:
    """Jets per chunk."""
    return CHUNK_BATCHES * batch_size


def chunk_results(paths: Sequence[Path], key: str) -> Iterator[dict[str, np.ndarray]]:
    """The results of the chunk files ``paths`` (made with ``key``), one at a time, in order."""
    for number, path in enumerate(paths):
        result = _load(path, key, number)
        if result is None:
            raise InputError(f"{path}: a chunk file is missing or unreadable")
        yield result


def explain_jets(
    checkpoint: Path,
    method: str,
    options: dict[str, Any],
    source: Any,
    rows: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    directory: Path,
    key: str,
    client: Any = None,
    device: str = "cpu",
    advance: Callable[[int], object] | None = None,
    logit: Logit | None = None,
) -> list[Path]:
    """Explain the jets ``source[rows]`` chunk by chunk and return the chunk files in order:
    those in ``directory`` made with ``key`` are reused, the others explained in this process
    (``client`` None) or as Dask tasks on ``client``'s workers (one torch thread each), and
    written as they finish. ``source`` is an awkward array of jets or a
    :class:`jetxai.data.rows.LazyJets` (then each chunk's jets are read where it is explained,
    by a worker from the files itself); only one chunk's jets are in memory at a time."""
    from jetxai._io import remove_stale_temporaries

    directory.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(directory)
    size = chunk_size(batch_size)
    starts = list(range(0, len(rows), size))
    if not starts:
        raise InputError("no jets to explain")
    paths = [directory / f"chunk-{i:05d}.npz" for i in range(len(starts))]
    todo = []
    for number, (first, path) in enumerate(zip(starts, paths, strict=True)):
        if _load(path, key, number) is None:
            todo.append(first)
        elif advance is not None:
            advance(min(size, len(rows) - first))
    # the probe runs in this run's first explained batch, also when earlier chunks are reused
    probe_at = todo[0] if todo else None
    common: dict[str, Any] = {"checkpoint": str(checkpoint), "method": method, "options": options}
    common |= {"batch_size": batch_size, "key": key, "device": device, "probe_at": probe_at}
    common |= {"logit": logit}
    tasks = [
        ChunkTask(
            source=source,
            rows=rows[first : first + size],
            labels=labels[first : first + size],
            first=first,
            path=str(paths[first // size]),
            **common,
        )
        for first in todo
    ]
    if client is None and tasks:
        model = explained_model(checkpoint, device, logit)
        for task in tasks:
            _explain_task(task, model, advance)
    elif tasks:
        _explain_on_dask(client, tasks, advance)
    return paths


def _explain_on_dask(
    client: Any, tasks: list[ChunkTask], advance: Callable[[int], object] | None
) -> None:
    """Explain ``tasks`` on ``client``'s workers (one torch thread each), then raise the
    warnings they raised here, once each. A baseline is sent to every worker once, not with
    every chunk; a worker reads lazy jets itself, jets in memory are sent with their chunk."""
    from jetxai._dask import completed
    from jetxai.data.rows import LazyJets

    shared = dict(tasks[0].options)
    if "baselines" in shared:
        shared["baselines"] = client.scatter(shared["baselines"], broadcast=True)
    lazy = isinstance(tasks[0].source, LazyJets)
    calls = [
        (
            f"explain-{task.key}-{Path(task.path).stem}",
            (
                dataclasses.replace(
                    task,
                    options={},
                    source=task.source if lazy else task.source[task.rows],
                    rows=task.rows if lazy else slice(None),
                    threads=1,
                ),
                shared,  # apart, so Dask resolves the scattered baseline in it
            ),
        )
        for task in tasks
    ]
    raised: dict[tuple[str, type[Warning]], None] = {}
    for done in completed(client, _explain_remote, calls, "chunks"):
        raised |= dict.fromkeys(done.warnings)
        if advance is not None:
            advance(done.n_jets)
    for message, category in raised:
        warnings.warn(message, category, stacklevel=3)
