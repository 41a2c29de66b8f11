"""Explaining trained taggers on data: relevances per jet (Parquet) and summaries (JSON).

``explain_run(models, datasets, out)`` takes one checkpoint or a training output directory
(every ``seed-*`` in it), re-creates the training's test split from the checkpoint's provenance,
explains each network, and writes::

    out/relevance-seed-<k>.parquet   per jet: its row in the test split (test_row, the same
                                     jet in every explanation of the seed), label, process,
                                     logit, convergence delta (and
                                     with adaptive IG steps the intervals used, ig_steps),
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

import awkward as ak
import numpy as np
import pyarrow.parquet as pq
import torch
from tqdm.auto import tqdm

from jetxai._io import atomic_path, write_json
from jetxai.errors import InputError
from jetxai.evaluate.relevance import (
    branch_share,
    by_class,
    constituent_profile,
    ensemble_ranking,
    eta_phi_map,
    feature_shares,
    mean_images,
    subjet_shares,
    xaug_ranking,
)
from jetxai.evaluate.seeds import mean_std
from jetxai.features import column
from jetxai.features.subjets import subjet_membership
from jetxai.models import load, prepare_inputs
from jetxai.models.taggers import Tagger
from jetxai.studies.background import background_baseline
from jetxai.studies.checkpoints import SplitCache, checkpoints
from jetxai.studies.chunks import chunk_key, explain_jets, pair_profiles
from jetxai.studies.options import ExplainOptions
from jetxai.train.samples import Samples

#: ΔR-to-the-axis bin edges of the constituent relevance profiles.
DR_EDGES = np.linspace(0.0, 1.0, 11)
#: (Δη, Δφ) bin edges of the mean relevance maps of constituent taggers (R = 0.8 jets).
ETA_PHI_EDGES = np.linspace(-0.8, 0.8, 17)
#: Exclusive-kT subjets the constituents' relevance is shared among (three: a top's decay).
SUBJETS = 3


def _scorecard(
    model: Tagger,
    samples: Samples,
    jets: ak.Array,
    n_steps: int | str,
    progress: bool,
    n_max: int = 500,
) -> list[dict[str, Any]]:
    """The baseline scorecard on up to ``n_max`` test jets (single-input models)."""
    from jetxai.evaluate.scorecard import scorecard

    baseline = background_baseline(model, samples, "averaged", "xsec", k=None)
    background = baseline.as_tuple()[0]
    (inputs,), _ = prepare_inputs(model, jets[:n_max])
    pick = torch.randperm(len(background), generator=torch.Generator().manual_seed(0))[:2000]
    return scorecard(
        model,
        inputs,
        background[pick],
        baseline.weights[pick],
        n_steps=n_steps,
        progress=progress,
    )


def _constituent_quantities(
    jets: ak.Array, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ΔR to the jet axis, pT fraction, Δη and Δφ of the n hardest constituents, zero padded."""
    from jetxai.features import constituents

    x, _ = constituents(jets, n=n, fields=("dr", "pt_rel", "deta", "dphi"))
    x = x.astype(np.float64)
    return x[..., 0], x[..., 1], x[..., 2], x[..., 3]


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


def _shares(result: dict[str, Any], sources: list[str], labels: Any) -> dict[str, Any]:
    """Per branch, the mean over jets of its share of Σ|relevance| (particles, XAUGs and every
    source of its own, such as ParT's pairs and class token), overall and per class."""
    per_jet = {
        name: np.abs(result[key].reshape(len(result[key]), -1)).sum(axis=1)
        for name, key in (("particles", "low_level"), ("xaug", "xaug"))
        if key in result
    }
    per_jet |= {name: np.abs(result[f"source:{name}"]) for name in sources}
    total = sum(per_jet.values())
    return {
        name: by_class(np.divide(v, total, out=np.zeros_like(v), where=total > 0), labels)
        for name, v in per_jet.items()
    }


def _write_parquet(path: Path, columns: dict[str, Any]) -> None:
    contiguous = {
        k: np.ascontiguousarray(v) if isinstance(v, np.ndarray) else v for k, v in columns.items()
    }
    table = ak.to_arrow_table(ak.zip(contiguous, depth_limit=1), extensionarray=False)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


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
    **changes: Any,
) -> dict[str, Any]:
    """Explain every checkpoint under ``models`` on its test split; write and return summaries.

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
    per_seed: list[dict[str, Any]] = []
    splits = SplitCache(datasets)
    with ExitStack() as stack:
        client = None
        if workers > 1 or scheduler is not None:
            client = stack.enter_context(dask_client(workers, scheduler, "explain_run"))
        for directory in checkpoints(models):
            per_seed.append(
                _explain_checkpoint(directory, splits, options, out, client, chosen, progress)
            )
    shutil.rmtree(out / "chunks", ignore_errors=True)  # every seed's summary is written
    return _write_ranking(out, options, per_seed)


def _explain_checkpoint(
    directory: Path,
    splits: SplitCache,
    options: ExplainOptions,
    out: Path,
    client: Any,
    device: str,
    progress: bool,
) -> dict[str, Any]:
    """Explain one checkpoint on its test split; write its relevance file, return its summary."""
    model = load(directory)
    samples = splits(model)
    jets, labels = samples.jets[samples.test], samples.target[samples.test]
    run_options = options.method_options()
    if options.method == "ig":
        run_options["baselines"] = background_baseline(
            model, samples, options.baseline, options.weights, options.k
        )
    rows = np.arange(len(jets))  # each explained jet's row in the test split
    if options.max_jets is not None:
        rows = balanced_subset(np.asarray(labels), options.max_jets)
        jets, labels = jets[rows], labels[rows]
    seed = directory.name.removeprefix("seed-")
    key = chunk_key(directory, options.recorded(), len(jets), options.batch_size)
    with tqdm(
        total=len(jets), desc=f"explain {directory.name}", unit="jet", disable=not progress
    ) as bar:
        result = explain_jets(
            directory,
            options.method,
            run_options,
            jets,
            np.asarray(labels),
            options.batch_size,
            out / "chunks" / f"seed-{seed}",
            key,
            client,
            device,
            bar.update,
        )
    spec = model.spec
    summary: dict[str, Any] = {"checkpoint": str(directory)}
    columns: dict[str, Any] = {
        "test_row": rows,
        "label": labels,
        "process": ak.Array(ak.to_list(jets.process)),
        "logit": result["logit"],
        "delta": result["delta"],
    }
    scale = np.abs(result["logit"]) + 1e-12
    summary["conservation"] = {
        "median_abs_delta_over_logit": float(np.median(np.abs(result["delta"]) / scale))
    }
    if "xaug" in result:
        for k, name in enumerate(spec.xaug):
            columns[f"rel_xaug_{name}"] = result["xaug"][:, k]
            if column(name) in ak.fields(jets):  # the jet's own value, beside its relevance
                columns[column(name)] = ak.to_numpy(jets[column(name)]).astype(np.float64)
        summary["ranking"] = xaug_ranking(result["xaug"], spec.xaug, labels)
    if "low_level" in result:
        low = result["low_level"]
        columns["rel_low_level"] = low.reshape(len(low), -1).sum(axis=1)
        if "xaug" in result:
            summary["xaug_share"] = by_class(branch_share(low, result["xaug"]), labels)
        if "mask" in result:
            mask = result["mask"]
            per_constituent = low.sum(axis=-1)
            counts = mask.sum(axis=1)
            columns["rel_constituents"] = ak.unflatten(per_constituent[mask], counts)
            dr, pt_frac, deta, dphi = _constituent_quantities(jets, mask.shape[1])
            for name, value in (("deta", deta), ("dphi", dphi), ("pt_rel", pt_frac)):
                columns[f"constituent_{name}"] = ak.unflatten(value[mask], counts)
            summary["feature_share"] = feature_shares(low, spec.constituent_fields, labels)
            summary["map_eta_phi"] = eta_phi_map(
                per_constituent, mask, deta, dphi, labels, ETA_PHI_EDGES
            )
            summary["profile_dr"] = constituent_profile(low, mask, dr, DR_EDGES)
            summary["profile_dr_by_class"] = {
                part: constituent_profile(low[rows], mask[rows], dr[rows], DR_EDGES)
                for part, rows in (("signal", labels == 1), ("background", labels != 1))
            }
            summary["profile_pt_fraction"] = constituent_profile(
                low, mask, np.log10(np.maximum(pt_frac, 1e-6)), np.linspace(-4, 0, 9)
            )
            membership = subjet_membership(jets, mask.shape[1], SUBJETS)
            summary["subjet_share"] = subjet_shares(low, membership, labels, SUBJETS)
        else:
            images = mean_images(low[:, 0], labels)
            summary["images"] = {k: v.tolist() for k, v in images.items()}
            summary["images"]["extent"] = spec.image_extent  # pixels span [−extent, extent]²
            columns["rel_image"] = ak.from_regular(ak.Array(low.reshape(len(low), -1)))
    if "ig_steps" in result:
        steps = result["ig_steps"].astype(np.int64)
        columns["ig_steps"] = steps
        summary["ig_steps"] = {
            "mean": float(steps.mean()),
            "median": float(np.median(steps)),
            "max": int(steps.max()),
        }
    sources = sorted(k.removeprefix("source:") for k in result if k.startswith("source:"))
    for name in sources:
        columns[f"rel_{name}"] = result[f"source:{name}"]
    if sources:
        summary["shares"] = _shares(result, sources, labels)
    profiles = pair_profiles(result)
    if profiles:
        summary["pair_profile_dr"] = profiles
    if options.method == "ig" and model.representation == "xaug":
        summary["scorecard"] = _scorecard(model, samples, jets, options.n_steps, progress)
    _write_parquet(out / f"relevance-seed-{seed}.parquet", columns)
    return summary


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
