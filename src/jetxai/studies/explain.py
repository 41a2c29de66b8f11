"""Explaining trained taggers on data: relevances per jet (Parquet) and summaries (JSON).

``explain_run(models, datasets, out)`` takes one checkpoint or a training output directory
(every ``seed-*`` in it), re-creates the training's test split from the checkpoint's provenance,
explains each network, and writes::

    out/relevance-seed-<k>.parquet   per jet: label, process, logit, convergence delta (and
                                     with adaptive IG steps the intervals used, ig_steps),
                                     rel_xaug_<name>, rel_low_level, rel_constituents (jagged,
                                     summed over features) or rel_image (flattened), and with
                                     LRP each source share of its own (rel_pairs, …)
    out/ranking.json                 per-seed and ensemble XAUG ranking, XAUG share per class,
                                     constituent profiles or mean relevance images, conservation;
                                     with LRP the |relevance| share of every branch (particles,
                                     XAUGs, ParT's pairs and class token) and, for models with
                                     pair relevance (ParT's pairs, EdgeConv edges), its profile
                                     in the pair's ΔR; for constituent models the share
                                     of relevance in each of the three exclusive-kT subjets
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pyarrow.parquet as pq
import torch
from tqdm.auto import tqdm

from jetxai import kinematics
from jetxai._io import atomic_path, write_json
from jetxai.errors import InputError
from jetxai.evaluate.relevance import (
    branch_share,
    by_class,
    constituent_profile,
    ensemble_ranking,
    mean_images,
    subjet_shares,
    xaug_ranking,
)
from jetxai.evaluate.seeds import mean_std
from jetxai.features.subjets import subjet_membership
from jetxai.models import load, prepare_inputs
from jetxai.models.taggers import Tagger
from jetxai.studies.background import background_baseline
from jetxai.studies.checkpoints import SplitCache, checkpoints
from jetxai.studies.options import STUDY_METHODS, ExplainOptions
from jetxai.train.samples import Samples

#: method name → function(model, inputs, additional, **options) → (relevances tuple, delta,
#: relevance inside the model by name: source shares per jet, pair matrices)
Explainer = Callable[..., tuple[tuple[torch.Tensor, ...], torch.Tensor, dict[str, torch.Tensor]]]
#: Exclusive-kT subjets the constituents' relevance is shared among (three: a top's decay).
SUBJETS = 3
#: Bins of a pair's ΔR_ij for the pair-relevance profile.
PAIR_DR_BINS = np.linspace(0.0, 1.0, 11)


def _explainer(method: str) -> Explainer:
    """``method`` of :func:`jetxai.explain.attribute` returning (relevances tuple, delta, {})."""

    def explain(
        model: Tagger,
        inputs: tuple[torch.Tensor, ...],
        additional: tuple[torch.Tensor, ...],
        **options: Any,
    ) -> tuple[tuple[torch.Tensor, ...], torch.Tensor, dict[str, torch.Tensor]]:
        from jetxai.explain import attribute

        adaptive = method == "ig" and (
            options.get("n_steps") == "auto" or options.get("tolerance") is not None
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

    def summary(self) -> dict[str, Any]:
        return {
            "bins": PAIR_DR_BINS.tolist(),
            **{
                part: np.divide(
                    self.sums[part],
                    self.counts[part],
                    out=np.zeros_like(self.sums[part]),
                    where=self.counts[part] > 0,
                ).tolist()
                for part in self.sums
            },
        }


def _batched(
    explainer: Explainer,
    model: Tagger,
    jets: ak.Array,
    labels: np.ndarray,
    batch_size: int,
    options: dict[str, Any],
    progress: bool,
) -> dict[str, Any]:
    parts: dict[str, list[np.ndarray]] = {}
    profiles: dict[str, _PairProfile] = {}
    bar = tqdm(total=len(jets), desc="explain", unit="jet", disable=not progress, leave=False)
    for start in range(0, len(jets), batch_size):
        batch = jets[start : start + batch_size]
        inputs, additional = prepare_inputs(model, batch)
        # LRP's conservation probe checks the model, not the jets: once per model is enough
        once = {"check_conservation": False} if start and explainer is METHODS["lrp"] else {}
        drawn = options.get("baselines")
        per_batch = {"baselines": drawn(inputs)} if callable(drawn) else {}
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
            parts.setdefault(name, []).append(value.double().numpy())
        if additional:
            parts.setdefault("mask", []).append(additional[0].numpy())
        parts.setdefault("delta", []).append(delta.double().numpy())
        parts.setdefault("logit", []).append(logit.double().numpy())
        for name, value in inside.items():
            if name.startswith("pairs:"):
                profile = profiles.setdefault(name.removeprefix("pairs:"), _PairProfile())
                profile.add(value.double().numpy(), batch, labels[start : start + batch_size])
            else:
                parts.setdefault(name, []).append(value.double().numpy())
        bar.update(len(batch))
    bar.close()
    result: dict[str, Any] = {k: np.concatenate(v) for k, v in parts.items()}
    result["pair_profiles"] = {name: p.summary() for name, p in profiles.items()}
    return result


def _scorecard(
    model: Tagger,
    samples: Samples,
    jets: ak.Array,
    n_steps: int | str,
    n_max: int = 500,
) -> list[dict[str, Any]]:
    """The baseline scorecard on up to ``n_max`` test jets (single-input models)."""
    from jetxai.evaluate.scorecard import scorecard

    baseline = background_baseline(model, samples, "averaged", "xsec", k=None)
    background = baseline.as_tuple()[0]
    (inputs,), _ = prepare_inputs(model, jets[:n_max])
    pick = torch.randperm(len(background), generator=torch.Generator().manual_seed(0))[:2000]
    return scorecard(model, inputs, background[pick], baseline.weights[pick], n_steps=n_steps)


def _constituent_quantities(jets: ak.Array, n: int) -> tuple[np.ndarray, np.ndarray]:
    """ΔR to the jet axis and pT fraction of the n hardest constituents, zero padded."""
    from jetxai.features import constituents

    x, _ = constituents(jets, n=n, fields=("dr", "pt_rel"))
    return x[..., 0].astype(np.float64), x[..., 1].astype(np.float64)


def balanced_subset(labels: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """Indices (in order) of at most ``size`` jets, half signal and half background where the
    labels have them (the other class fills what one lacks), drawn at random with a fixed seed.
    The test split lists one dataset after another, so its first jets are one class only."""
    if size >= len(labels):
        return np.arange(len(labels))
    generator = np.random.default_rng(seed)
    signal, background = np.flatnonzero(labels == 1), np.flatnonzero(labels != 1)
    n_signal = min(len(signal), max(size // 2, size - len(background)))
    chosen = [
        generator.choice(signal, n_signal, replace=False),
        generator.choice(background, size - n_signal, replace=False),
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
    **changes: Any,
) -> dict[str, Any]:
    """Explain every checkpoint under ``models`` on its test split; write and return summaries.

    ``options`` (default :class:`ExplainOptions`) says how; keyword ``changes`` override single
    options (``explain_run(..., method="ig", baseline="zero")``).
    """
    options = (options or ExplainOptions()).with_changes(**changes)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    per_seed: list[dict[str, Any]] = []
    splits = SplitCache(datasets)
    for directory in checkpoints(models):
        model = load(directory)
        samples = splits(model)
        jets, labels = samples.jets[samples.test], samples.target[samples.test]
        run_options = options.method_options()
        if options.method == "ig":
            run_options["baselines"] = background_baseline(
                model, samples, options.baseline, options.weights, options.k
            )
        if options.max_jets is not None:
            pick = balanced_subset(np.asarray(labels), options.max_jets)
            jets, labels = jets[pick], labels[pick]
        result = _batched(
            METHODS[options.method],
            model,
            jets,
            np.asarray(labels),
            options.batch_size,
            run_options,
            progress,
        )
        spec = model.spec
        summary: dict[str, Any] = {"checkpoint": str(directory)}
        columns: dict[str, Any] = {
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
            summary["ranking"] = xaug_ranking(result["xaug"], spec.xaug, labels)
        if "low_level" in result:
            low = result["low_level"]
            columns["rel_low_level"] = low.reshape(len(low), -1).sum(axis=1)
            if "xaug" in result:
                summary["xaug_share"] = by_class(branch_share(low, result["xaug"]), labels)
            if "mask" in result:
                mask = result["mask"]
                per_constituent = low.sum(axis=-1)
                columns["rel_constituents"] = ak.unflatten(per_constituent[mask], mask.sum(axis=1))
                dr, pt_frac = _constituent_quantities(jets, mask.shape[1])
                summary["profile_dr"] = constituent_profile(low, mask, dr, np.linspace(0, 1.0, 11))
                summary["profile_pt_fraction"] = constituent_profile(
                    low, mask, np.log10(np.maximum(pt_frac, 1e-6)), np.linspace(-4, 0, 9)
                )
                membership = subjet_membership(jets, mask.shape[1], SUBJETS)
                summary["subjet_share"] = subjet_shares(low, membership, labels, SUBJETS)
            else:
                images = mean_images(low[:, 0], labels)
                summary["images"] = {k: v.tolist() for k, v in images.items()}
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
        if result["pair_profiles"]:
            summary["pair_profile_dr"] = result["pair_profiles"]
        if options.method == "ig" and model.representation == "xaug":
            summary["scorecard"] = _scorecard(model, samples, jets, options.n_steps)
        seed = directory.name.removeprefix("seed-")
        _write_parquet(out / f"relevance-seed-{seed}.parquet", columns)
        per_seed.append(summary)

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
