"""Explaining trained taggers on data: relevances per jet (Parquet) and summaries (JSON).

``explain_run(models, datasets, out)`` takes one checkpoint or a training output directory
(every ``seed-*`` in it), re-creates the training's test split from the checkpoint's provenance,
explains each network, and writes::

    out/relevance-seed-<k>.parquet   per jet: its row in the test split (test_row, the same
                                     jet in every explanation of the seed), label, process,
                                     logit, convergence delta (and with
                                     adaptive or exact IG steps the intervals or linear
                                     pieces used, ig_steps),
                                     rel_xaug_<name> (and xaug_<name>, the jet's value),
                                     rel_low_level, rel_constituents (jagged, summed over
                                     features) with constituent_deta / _dphi / _pt_rel, or
                                     rel_image (flattened), and with
                                     LRP each source share of its own (rel_pairs, …)
    out/ranking.json                 per-seed and ensemble XAUG ranking, XAUG share per class,
                                     constituent profiles, each constituent feature's share
                                     and (Δη, Δφ) maps or mean relevance
                                     images, conservation;
                                     with LRP the |relevance| share of every branch (particles,
                                     XAUGs, ParT's pairs and class token) and, for models with
                                     pair relevance (ParT's pairs, EdgeConv edges), its profile
                                     in the pair's ΔR; for constituent models the share
                                     of relevance in each of the three exclusive-kT subjets
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from jetxai._io import write_json
from jetxai._quiet import bar_disabled
from jetxai.errors import InputError
from jetxai.evaluate.relevance import ensemble_ranking
from jetxai.evaluate.seeds import mean_std
from jetxai.explain.targets import Logit, logits_to_explain
from jetxai.models import prepare_inputs
from jetxai.models.checkpoint import read_spec
from jetxai.models.taggers import Tagger
from jetxai.studies.background import background_baseline, background_rows, background_weights
from jetxai.studies.checkpoints import SplitCache, checkpoints
from jetxai.studies.chunks import (
    chunk_key,
    chunk_results,
    chunk_size,
    explain_jets,
    explained_model,
    pair_profiles,
)
from jetxai.studies.options import ExplainOptions
from jetxai.studies.summary import RelevanceSummary
from jetxai.train.samples import Samples

#: Test jets the baseline scorecard is computed on, and background jets it draws from.
SCORECARD_JETS = 500
SCORECARD_BACKGROUND = 2000


def _scorecard(
    model: Tagger,
    samples: Samples,
    where: np.ndarray,
    n_steps: int | str,
    progress: bool,
    weights_by: str,
) -> list[dict[str, Any]]:
    """The baseline scorecard on the first :data:`SCORECARD_JETS` explained jets (data rows
    ``where``) of a single-input model, against :data:`SCORECARD_BACKGROUND` training background
    jets drawn at random, weighted as the run's baselines are (``weights_by``; only those jets
    are read)."""
    from jetxai.evaluate.scorecard import scorecard

    rows = background_rows(samples)
    weights = background_weights(samples, rows, weights_by)
    pick = torch.randperm(len(rows), generator=torch.Generator().manual_seed(0))
    pick = pick[:SCORECARD_BACKGROUND]
    (background,), _ = prepare_inputs(model, samples.jets[rows[pick.numpy()]])
    (inputs,), _ = prepare_inputs(model, samples.jets[where[:SCORECARD_JETS]])
    return scorecard(model, inputs, background, weights[pick], n_steps=n_steps, progress=progress)


def balanced_subset(labels: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """Indices (in order) of at most ``size`` jets, half signal and half background where the
    labels have them (the other class fills what one lacks), drawn at random with a fixed seed;
    the subset of a smaller ``size`` is part of that of a larger one.
    The test split lists one dataset after another, so its first jets are one class only."""
    if size >= len(labels):
        return np.arange(len(labels))
    generator = np.random.default_rng(seed)
    signal, background = np.flatnonzero(labels == 1), np.flatnonzero(labels != 1)
    n_signal = min(len(signal), max(size // 2, size - len(background)))
    # the first jets of one fixed permutation per class: a smaller subset is part of a larger
    chosen = [
        generator.permutation(signal)[:n_signal],
        generator.permutation(background)[: size - n_signal],
    ]
    return np.sort(np.concatenate(chosen))


def explain_run(
    models: str | os.PathLike[str],
    datasets: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    options: ExplainOptions | None = None,
    progress: bool = True,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    device: str = "auto",
    target: str | None = None,
    contrast: Sequence[str] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """Explain every checkpoint under ``models`` on its test split; write and return summaries.

    A multi-class tagger is explained per logit (:mod:`jetxai.explain.targets`): ``target``
    (a class name or index), the ``contrast`` (X, Y) of two classes (z_X − z_Y, on the X and Y
    jets only), or by default every class's, each in ``out/<class>`` (``out/X-vs-Y``) as a
    binary tagger's run is in ``out``: the class's jets are the signal, the others the
    background (of baselines too). ``out/classes.json`` lists them.

    ``options`` (default :class:`ExplainOptions`) says how; keyword ``changes`` override single
    options (``explain_run(..., method="ig", baseline="zero")``). The test jets are explained in
    chunks (:mod:`jetxai.studies.chunks`), each written to ``out/chunks`` as it finishes and
    reused if the run is interrupted and started again: in this process with ``workers=1`` and
    no ``scheduler``, else as Dask tasks on a local cluster of ``workers`` processes or on the
    scheduler at address ``scheduler`` (its workers must see ``out``). ``device``: ``auto``
    (CUDA when present), ``cpu`` or ``cuda``.
    """
    from jetxai._dask import dask_client
    from jetxai.train.ensemble import pick_device

    options = (options or ExplainOptions()).with_changes(**changes)
    if workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    chosen = str(pick_device(device))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    per_seed: dict[str, list[dict[str, Any]]] = {}
    splits = SplitCache(datasets, lazy=True)  # jets are read chunk by chunk
    found = checkpoints(models)
    logits = _logits(found[0], target, contrast)
    with ExitStack() as stack:
        client = None
        if workers > 1 or scheduler is not None:
            client = stack.enter_context(dask_client(workers, scheduler, "explain_run"))
        for directory in found:
            for logit in logits:
                where = out if logit is None else out / logit.name
                summary = _explain_checkpoint(
                    directory, splits, options, where, client, chosen, progress, logit
                )
                per_seed.setdefault("" if logit is None else logit.name, []).append(summary)
    for name in per_seed:  # every seed's summary is written
        shutil.rmtree(out / name / "chunks", ignore_errors=True)
    first = logits[0]
    if first is None:
        return _write_ranking(out, options, per_seed[""])
    written = {name: _write_ranking(out / name, options, seeds) for name, seeds in per_seed.items()}
    classes = list(first.classes)
    listing = {"classes": classes, "explained": list(written)}
    confusion = _run_confusion(found[0])
    write_json(out / "classes.json", listing | ({"confusion": confusion} if confusion else {}))
    return {"classes": classes, "explained": written}


def _run_confusion(checkpoint: Path) -> dict[str, Any] | None:
    """The confusion matrix of the checkpoint's test split, from its training run's metrics
    (None where the run did not record one)."""
    metrics = checkpoint.parent / "metrics.json"
    if not metrics.is_file():
        return None
    seed = checkpoint.name.removeprefix("seed-")
    for entry in json.loads(metrics.read_text()).get("per_seed", []):
        if str(entry.get("seed")) == seed and "confusion" in entry:
            return dict(entry["confusion"])
    return None


def _logits(
    checkpoint: Path, target: str | None, contrast: Sequence[str] | None
) -> list[Logit | None]:
    """The logits a run explains: [None] for a binary tagger (which has one)."""
    classes = read_spec(checkpoint).classes
    if not classes:
        if target is not None or contrast is not None:
            raise InputError(
                f"{checkpoint}: a binary tagger has one logit; --target and --contrast choose "
                "among a multi-class tagger's"
            )
        return [None]
    return list(logits_to_explain(classes, target, contrast))


def _explain_checkpoint(
    directory: Path,
    splits: SplitCache,
    options: ExplainOptions,
    out: Path,
    client: Any,
    device: str,
    progress: bool,
    logit: Logit | None = None,
) -> dict[str, Any]:
    """Explain one checkpoint on its test split (a multi-class tagger's ``logit``, on the jets
    it concerns); write its relevance file, return its summary.
    The jets are read, explained and summarised chunk by chunk (here or by Dask workers); this
    process then adds up the chunks' parts, reading no jets."""
    model = explained_model(directory, "cpu", logit)
    samples = splits(model)
    if logit is not None:
        samples = samples.as_binary(logit.positive, logit.negative)
    labels = samples.target[samples.test]
    run_options = options.method_options()
    if options.method == "shapley":
        run_options["explained"] = _xaug_input(model)
    if options.method in ("ig", "shapley"):
        run_options["baselines"] = background_baseline(
            model, samples, options.baseline, options.weights, options.k
        )
    rows = np.arange(len(labels))  # each explained jet's row in the test split
    if options.max_jets is not None:
        rows = balanced_subset(np.asarray(labels), options.max_jets)
    labels = np.asarray(labels[rows])
    where = samples.test[rows]  # and in the data
    seed = directory.name.removeprefix("seed-")
    recorded = options.recorded() | ({"logit": logit.name} if logit is not None else {})
    key = chunk_key(
        directory, recorded, samples.provenance["manifest_hashes"], where, options.batch_size
    )
    with tqdm(
        total=len(rows),
        desc=f"explain {directory.name}" + (f" {logit.name}" if logit is not None else ""),
        unit="jet",
        disable=bar_disabled(progress),
    ) as bar:
        paths = explain_jets(
            directory,
            options.method,
            run_options,
            samples.jets,
            where,
            labels,
            options.batch_size,
            out / "chunks" / f"seed-{seed}",
            key,
            client,
            device,
            bar.update,
            logit,
        )
    summary = RelevanceSummary(out / f"relevance-seed-{seed}.parquet", model.spec)
    size = chunk_size(options.batch_size)
    try:
        for first, parts in zip(range(0, len(rows), size), chunk_results(paths, key), strict=True):
            chosen = slice(first, first + size)
            summary.add(parts, labels[chosen], rows[chosen], samples.processes[where[chosen]])
    except BaseException:
        summary.abort()
        raise
    summary.close()
    out_summary: dict[str, Any] = {"checkpoint": str(directory)} | summary.summary()
    profiles = pair_profiles(summary.pair_sums())
    if profiles:
        out_summary["pair_profile_dr"] = profiles
    if options.method == "ig" and model.representation == "xaug":
        out_summary["scorecard"] = _scorecard(
            model, samples, where, options.n_steps, progress, options.weights
        )
    return out_summary


def _xaug_input(model: Tagger) -> int:
    """The position of the XAUG vector among the model's explained inputs (Shapley values are
    computed for its features)."""
    if not model.n_xaug:
        raise InputError(
            f"{model.spec.name}: shapley explains the XAUG input, and this model has none"
        )
    return 0 if model.representation == "xaug" else 1


def _write_ranking(
    out: Path, options: ExplainOptions, per_seed: list[dict[str, Any]]
) -> dict[str, Any]:
    """ranking.json: the options, every seed's summary and the ensemble over seeds."""
    report: dict[str, Any] = {
        "method": options.method,
        "options": options.recorded(),
        "seeds": per_seed,
    }
    rankings = [s["ranking"] for s in per_seed if "ranking" in s]
    if rankings:
        report["ensemble_ranking"] = ensemble_ranking(rankings)
    shares = [s["xaug_share"] for s in per_seed if "xaug_share" in s]
    if shares:
        report["xaug_share"] = {}
        for part in ("all", "signal", "background"):
            mean, std = mean_std([s[part] for s in shares])
            report["xaug_share"][part] = {"mean": float(mean), "std": float(std)}
    write_json(out / "ranking.json", json.loads(json.dumps(report, default=float)))
    return report
