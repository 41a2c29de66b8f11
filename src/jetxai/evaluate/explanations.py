"""Explaining trained taggers on data: relevances per jet (Parquet) and summaries (JSON).

``explain_run(models, datasets, out)`` takes one checkpoint or a training output directory
(every ``seed-*`` in it), re-creates the training's test split from the checkpoint's provenance,
explains each network, and writes::

    out/relevance-seed-<k>.parquet   per jet: label, process, logit, convergence delta,
                                     rel_xaug_<name>, rel_low_level, rel_constituents (jagged,
                                     summed over features) or rel_image (flattened)
    out/ranking.json                 per-seed and ensemble XAUG ranking, XAUG share per class,
                                     constituent profiles or mean relevance images, conservation
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

from jetxai._io import atomic_path, write_json
from jetxai.errors import InputError
from jetxai.evaluate.relevance import (
    branch_share,
    by_class,
    constituent_profile,
    ensemble_ranking,
    mean_images,
    xaug_ranking,
)
from jetxai.models import load, prepare_inputs
from jetxai.models.taggers import Tagger
from jetxai.train.samples import Samples, dataset_identities, load_samples

#: method name → function(model, inputs, additional, **options) → (relevances tuple, delta)
Explainer = Callable[..., tuple[tuple[torch.Tensor, ...], torch.Tensor]]


def _explainer(method: str) -> Explainer:
    """``method`` of :func:`jetxai.explain.attribute` returning (relevances tuple, delta)."""

    def explain(
        model: Tagger,
        inputs: tuple[torch.Tensor, ...],
        additional: tuple[torch.Tensor, ...],
        **options: Any,
    ) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
        from jetxai.explain import attribute

        relevance, delta = attribute(
            model,
            inputs,
            method=method,
            additional_forward_args=additional,
            return_convergence_delta=True,
            **options,
        )
        return tuple(relevance), delta

    return explain


METHODS: dict[str, Explainer] = {name: _explainer(name) for name in ("lrp", "ig")}


def background_baseline(
    model: Tagger,
    samples: Samples,
    name: str,
    weights: str = "uniform",
    k: int | None = 16,
    seed: int = 0,
) -> Any:
    """The IG baseline ``name`` built from the background jets of the training split, with
    ``uniform`` or ``xsec`` (σ / events tried per process) weights."""
    from jetxai.explain import baselines

    if weights not in ("uniform", "xsec"):
        raise InputError(f"weights must be uniform or xsec, got {weights!r}")
    rows = samples.train[samples.target[samples.train] == 0]
    background, _ = prepare_inputs(model, samples.jets[rows])
    w = samples.cross_section_weight()[rows] if weights == "xsec" else None
    return baselines.build(
        name,
        background,
        background=background,
        weights=w,
        k=k,
        generator=torch.Generator().manual_seed(seed),
    )


def checkpoints(path: str | os.PathLike[str]) -> list[Path]:
    """The checkpoint directories at ``path``: itself, or its ``seed-*`` subdirectories."""
    path = Path(path)
    if (path / "model.json").is_file():
        return [path]
    found = sorted(p for p in path.glob("seed-*") if (p / "model.json").is_file())
    if not found:
        raise InputError(f"{path}: no checkpoint (model.json) here or in seed-* subdirectories")
    return found


def training_samples(model: Tagger, datasets: Sequence[str | os.PathLike[str]]) -> Samples:
    """The train / validation / test split ``model`` was trained with, rebuilt from the
    provenance its checkpoint records."""
    provenance = model.spec.data
    split = provenance.get("split")
    if not split or "dataset_ids" not in provenance:
        raise InputError(
            "the checkpoint records no jet-identity split (trained by an older jetxai); retrain it"
        )
    given = sorted(dataset_identities(datasets))
    if given != provenance["dataset_ids"]:
        raise InputError(
            f"the checkpoint was trained on {len(provenance['dataset_ids'])} dataset(s) "
            f"({', '.join(provenance['dataset_ids'])}); --data gives {', '.join(given)}: "
            "pass exactly the datasets it was trained on"
        )
    samples = load_samples(
        datasets, provenance["signal"], split["val"], split["test"], provenance["split_seed"]
    )
    if samples.provenance["n_jets"] != provenance.get("n_jets"):
        raise InputError("the rebuilt split differs from the checkpoint's; the data changed")
    return samples


class SplitCache:
    """Training splits by provenance: the seeds of one run share theirs, so it is read once."""

    def __init__(self, datasets: Sequence[str | os.PathLike[str]]) -> None:
        self.datasets = datasets
        self._cache: dict[str, Samples] = {}

    def __call__(self, model: Tagger) -> Samples:
        key = json.dumps(model.spec.data, sort_keys=True, default=str)
        if key not in self._cache:
            self._cache[key] = training_samples(model, self.datasets)
        return self._cache[key]


def _batched(
    explainer: Explainer,
    model: Tagger,
    jets: ak.Array,
    batch_size: int,
    options: dict[str, Any],
    progress: bool,
) -> dict[str, Any]:
    parts: dict[str, list[np.ndarray]] = {}
    for start in tqdm(
        range(0, len(jets), batch_size),
        desc="explain",
        unit="batch",
        disable=not progress,
        leave=False,
    ):
        batch = jets[start : start + batch_size]
        inputs, additional = prepare_inputs(model, batch)
        # LRP's conservation probe checks the model, not the jets: once per model is enough
        once = {"check_conservation": False} if start and explainer is METHODS["lrp"] else {}
        relevance, delta = explainer(model, inputs, additional, **options, **once)
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
    return {k: np.concatenate(v) for k, v in parts.items()}


def _scorecard(
    model: Tagger,
    samples: Samples,
    jets: ak.Array,
    options: dict[str, Any],
    n_max: int = 500,
) -> list[dict[str, Any]]:
    """The baseline scorecard on up to ``n_max`` test jets (single-input models)."""
    from jetxai.evaluate.scorecard import scorecard

    baseline = background_baseline(model, samples, "averaged", "xsec", k=None)
    background = baseline.as_tuple()[0]
    (inputs,), _ = prepare_inputs(model, jets[:n_max])
    pick = torch.randperm(len(background), generator=torch.Generator().manual_seed(0))[:2000]
    return scorecard(
        model, inputs, background[pick], baseline.weights[pick], n_steps=options.get("n_steps", 32)
    )


def _constituent_quantities(jets: ak.Array, n: int) -> tuple[np.ndarray, np.ndarray]:
    """ΔR to the jet axis and pT fraction of the n hardest constituents, zero padded."""
    from jetxai.features import constituents

    x, _ = constituents(jets, n=n, fields=("dr", "pt_rel"))
    return x[..., 0].astype(np.float64), x[..., 1].astype(np.float64)


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
    method: str = "lrp",
    max_jets: int | None = None,
    batch_size: int = 512,
    progress: bool = True,
    **options: Any,
) -> dict[str, Any]:
    """Explain every checkpoint under ``models`` on its test split; write and return summaries."""
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    per_seed: list[dict[str, Any]] = []
    splits = SplitCache(datasets)
    for directory in checkpoints(models):
        model = load(directory)
        samples = splits(model)
        jets, labels = samples.jets[samples.test], samples.target[samples.test]
        run_options = dict(options)
        if method == "ig":
            baseline = run_options.pop("baseline", "zero")
            weighting = run_options.pop("weights", "uniform")
            k = run_options.pop("k", 16)
            run_options["baselines"] = background_baseline(model, samples, baseline, weighting, k)
        if max_jets is not None:
            jets, labels = jets[:max_jets], labels[:max_jets]
        result = _batched(METHODS[method], model, jets, batch_size, run_options, progress)
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
            else:
                images = mean_images(low[:, 0], labels)
                summary["images"] = {k: v.tolist() for k, v in images.items()}
                columns["rel_image"] = ak.from_regular(ak.Array(low.reshape(len(low), -1)))
        if method == "ig" and model.representation == "xaug":
            summary["scorecard"] = _scorecard(model, samples, jets, run_options)
        seed = directory.name.removeprefix("seed-")
        _write_parquet(out / f"relevance-seed-{seed}.parquet", columns)
        per_seed.append(summary)

    report: dict[str, Any] = {"method": method, "options": options, "seeds": per_seed}
    rankings = [s["ranking"] for s in per_seed if "ranking" in s]
    if rankings:
        report["ensemble_ranking"] = ensemble_ranking(rankings)
    shares = [s["xaug_share"] for s in per_seed if "xaug_share" in s]
    if shares:
        report["xaug_share"] = {
            part: {
                "mean": float(np.mean([s[part] for s in shares])),
                "std": float(np.std([s[part] for s in shares], ddof=1)) if len(shares) > 1 else 0.0,
            }
            for part in ("all", "signal", "background")
        }
    write_json(out / "ranking.json", json.loads(json.dumps(report, default=float)))
    return report
