"""The event-level case study of the IG paper, on jetxai's own simulation.

A dense network separates the heavy-quark signal (``vlq``) from Standard Model backgrounds
(``ttbar``, ``wjets``, ``singletop``, …) using the event features; it is trained on per-event
cross-section weights (backgrounds combined by cross-section, classes balanced) as a seed
ensemble. Each network is then explained on the signal events of its test split by IG with the
zero, blank, mean, median and averaged baselines (the averaged one drawn from the training
background weighted uniformly per process or by cross-section) and by LRP, with the scorecard's
deletion AUC and completeness error for each.

The network reads standardised features (training mean 0, standard deviation 1), so IG's
``zero`` baseline is the standardised origin: the mean event of the training sample (signal and
background together). ``blank`` is the physically empty event, every feature 0 in its own units,
which is what a zero-vector baseline means for unscaled inputs. The paper's "zero-vector"
baseline is one of the two depending on how its inputs were scaled; both are reported.

Outputs under ``out``::

    run/                     the training run (metrics.json, seed-<k>/ checkpoints)
    study.json               samples (cut flows, yields), classifier metrics, per explanation:
                             mean attribution per feature on signal (mean ± std over seeds),
                             ranking, deletion AUC, completeness error
    study.md                 the same as Markdown tables, and the first network's full scorecard
    figures/attribution-<explanation>.png   mean signal attribution per feature, ranked
    figures/attribution-comparison.png      the leading features under every explanation

Example::

    from jetxai.report.event_study import run_event_study
    run_event_study(["data/vlq", "data/ttbar", "data/wjets", "data/singletop"], "study")
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import torch
from tqdm.auto import tqdm

from jetxai import data
from jetxai._io import atomic_path, write_json
from jetxai.errors import InputError
from jetxai.evaluate.explanations import SplitCache, checkpoints
from jetxai.evaluate.scorecard import format_scorecard, scorecard
from jetxai.generate.events import STAGES
from jetxai.models import load
from jetxai.models.inputs import prepare_inputs
from jetxai.models.spec import ModelSpec
from jetxai.train import TrainConfig, train
from jetxai.train.samples import Samples

#: The explanations the study compares: (scorecard method, scorecard baseline) → short name.
EXPLANATIONS = {
    ("ig", "zero"): "ig-zero",
    ("ig", "blank"): "ig-blank",
    ("ig", "mean"): "ig-mean",
    ("ig", "median"): "ig-median",
    ("ig", "averaged (uniform)"): "ig-averaged-uniform",
    ("ig", "averaged (xsec)"): "ig-averaged-xsec",
    ("lrp", "-"): "lrp",
}
#: Features shown in each ranked attribution figure.
TOP_FEATURES = 15
#: Features in the figure that compares the explanations (the leading ones of ig-averaged-xsec).
COMPARED_FEATURES = 10
#: Column heads of the cut-flow table (the stages of jetxai.generate.events.STAGES).
_STAGE_NAMES = ("generated", "1 lepton", "≥ jets", "≥ b-tags")


def _background(
    samples: Samples, rng: np.random.Generator, n_max: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training-split background rows (at most ``n_max``, split equally between processes) with
    weights uniform per process and by cross-section (the process's selected yield σ × ε)."""
    rows = samples.train[samples.target[samples.train] == 0]
    processes = np.asarray(ak.to_list(samples.jets.process))
    xsec = samples.cross_section_weight()
    everywhere = samples.target == 0
    names = sorted(set(processes[rows]))
    chosen, uniform, by_xsec = [], [], []
    for name in names:
        mine = rows[processes[rows] == name]
        pick = rng.permutation(mine)[: max(n_max // len(names), 1)]
        yield_pb = xsec[everywhere & (processes == name)].sum()
        chosen.append(pick)
        uniform.append(np.full(len(pick), 1.0 / len(pick)))
        by_xsec.append(np.full(len(pick), yield_pb / len(pick)))
    return np.concatenate(chosen), np.concatenate(uniform), np.concatenate(by_xsec)


def blank_baseline(spec: ModelSpec) -> torch.Tensor:
    """(1, K) the physically empty event (every feature 0 GeV, 0 rad, no jets) in the network's
    standardised inputs. IG's ``zero`` is instead the standardised origin, the training mean."""
    return (-torch.tensor(spec.xaug_mean) / torch.tensor(spec.xaug_std)).unsqueeze(0)


def _seed_study(
    directory: Path, splits: SplitCache, n_explain: int, n_background: int, n_steps: int, k: int
) -> dict[str, Any]:
    model = load(directory)
    if model.representation != "xaug":
        raise InputError(f"{directory}: the event study needs a dense network on event features")
    samples = splits(model)
    rng = np.random.default_rng(0)
    signal = samples.test[samples.target[samples.test] == 1][:n_explain]
    rows, uniform, xsec = _background(samples, rng, n_background)
    (inputs,), _ = prepare_inputs(model, samples.jets[signal])
    (background,), _ = prepare_inputs(model, samples.jets[rows])
    with torch.no_grad():
        logit = model(inputs).double().squeeze(-1)
    scored = scorecard(
        model,
        inputs,
        background,
        background_weights=xsec,
        uniform_weights=uniform,
        extra_baselines={"blank": blank_baseline(model.spec).to(inputs.dtype)},
        n_steps=n_steps,
        k=k,
    )
    entries = {}
    for row in scored:
        name = EXPLANATIONS.get((row["method"], row["baseline"]))
        if name is not None:
            entries[name] = row
    return {
        "checkpoint": str(directory),
        "features": list(model.spec.xaug),
        "n_signal_explained": len(signal),
        "n_background": len(rows),
        "mean_signal_logit": float(logit.mean()),
        "explanations": entries,
        "scorecard": scored,
    }


def _mean_std(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    array = np.asarray(values, dtype=np.float64)
    std = array.std(axis=0, ddof=1) if len(array) > 1 else np.zeros(array.shape[1:])
    return array.mean(axis=0), std


def _combine(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    features = per_seed[0]["features"]
    out = {}
    for name in EXPLANATIONS.values():
        rows = [s["explanations"][name] for s in per_seed]
        mean, std = _mean_std([r["mean_attribution"] for r in rows])
        order = np.argsort(-np.abs(mean), kind="stable")
        deletion, deletion_std = _mean_std([r["deletion_auc"] for r in rows])
        random, _ = _mean_std([r["random_deletion_auc"] for r in rows])
        completeness = [r["completeness_error"] for r in rows]
        out[name] = {
            "mean_attribution": {f: float(mean[i]) for i, f in enumerate(features)},
            "mean_attribution_std": {f: float(std[i]) for i, f in enumerate(features)},
            "ranking": [features[i] for i in order],
            "deletion_auc": {"mean": float(deletion), "std": float(deletion_std)},
            "random_deletion_auc": float(random),
            "completeness_error": None if completeness[0] is None else float(np.mean(completeness)),
        }
    return out


def _samples_table(datasets: Sequence[str | os.PathLike[str]]) -> dict[str, Any]:
    table = {}
    for root in datasets:
        manifest = data.read_manifest(root)
        if manifest.get("kind") != "events":
            raise InputError(f"{root}: not an event-level dataset (jetxai generate --level event)")
        process = manifest["config"]["process"]
        table[process] = {
            "dataset": str(root),
            "cross_section_pb": manifest["cross_section_pb"],
            "events_stored": manifest["events_kept"],
            "cut_flow": manifest["cut_flow"],
            "selected_yield_pb": manifest["cut_flow"]["bjets"]["yield_pb"],
        }
    return table


def _markdown(study: dict[str, Any]) -> str:
    lines = ["| process | σ [pb] | " + " | ".join(_STAGE_NAMES) + " | yield [fb] | stored |"]
    lines.append("|" + "---|" * (len(_STAGE_NAMES) + 4))
    for process, entry in study["samples"].items():
        flow = entry["cut_flow"]
        cells = [f"{flow[stage]['efficiency']:.3g}" for stage in STAGES]
        lines.append(
            f"| {process} | {entry['cross_section_pb']:.4g} | {' | '.join(cells)} | "
            f"{1e3 * entry['selected_yield_pb']:.4g} | {entry['events_stored']} |"
        )
    m = study["classifier"]
    lines += [
        "",
        "| AUC | ε_S at ε_B = 1 % | 1/ε_B at ε_S = 0.5 | seeds |",
        "|---|---|---|---|",
        f"| {m['auc']['mean']:.4f} ± {m['auc']['std']:.4f} | "
        f"{m['efficiency_0.01']['mean']:.3f} ± {m['efficiency_0.01']['std']:.3f} | "
        f"{m['rejection_0.5']['mean']:.1f} ± {m['rejection_0.5']['std']:.1f} | "
        f"{len(m['auc']['values'])} |",
        "",
        "| explanation | leading features (signal, by size of the mean attribution) "
        "| deletion AUC (random order) | completeness error |",
        "|---|---|---|---|",
    ]
    for name, entry in study["explanations"].items():
        top = ", ".join(entry["ranking"][:5])
        deletion = entry["deletion_auc"]
        complete = entry["completeness_error"]
        lines.append(
            f"| {name} | {top} | {deletion['mean']:.3f} ± {deletion['std']:.3f} "
            f"({entry['random_deletion_auc']:.3f}) | "
            f"{'-' if complete is None else f'{complete:.1e}'} |"
        )
    first = study["per_seed"][0]
    lines += [
        "",
        f"Full scorecard of the first network ({first['checkpoint']}), "
        f"{first['n_signal_explained']} signal events:",
        "",
        format_scorecard(first["scorecard"]),
    ]
    return "\n".join(lines) + "\n"


def _write_png(path: Path, png: bytes) -> str:
    with atomic_path(path) as tmp:
        tmp.write_bytes(png)
    return str(path)


def _figures(study: dict[str, Any], directory: Path) -> list[str]:
    from jetxai.report.figures import baseline_comparison, ranking

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    explanations = study["explanations"]
    leading = explanations["ig-averaged-xsec"]["ranking"][:COMPARED_FEATURES]
    comparison = {
        name: [explanations[name]["mean_attribution"][f] for f in leading]
        for name in ("ig-zero", "ig-blank", "ig-averaged-uniform", "ig-averaged-xsec", "lrp")
    }
    png = baseline_comparison(leading, comparison, ylabel="mean attribution on signal (logit)")
    written.append(_write_png(directory / "attribution-comparison.png", png))
    for name, entry in study["explanations"].items():
        names = entry["ranking"][:TOP_FEATURES]
        png = ranking(
            names,
            [entry["mean_attribution"][n] for n in names],
            [entry["mean_attribution_std"][n] for n in names],
            title=f"{name}: signal events",
            xlabel="mean attribution (logit, standardised inputs)",
        )
        written.append(_write_png(directory / f"attribution-{name}.png", png))
    return written


def run_event_study(
    datasets: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    seeds: int = 3,
    epochs: int = 30,
    n_explain: int = 1000,
    n_background: int = 2000,
    n_steps: int = 32,
    k: int = 16,
    figures: bool = True,
    progress: bool = True,
    train_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train, explain and score the event classifier on ``datasets``; write and return the study.

    ``datasets`` are event-level datasets (the signal ``vlq`` and the backgrounds). Re-running
    with the same options reuses the trained networks.
    """
    out = Path(out)
    samples = _samples_table(datasets)
    if "vlq" not in samples:
        raise InputError("the event study needs a vlq (signal) dataset")
    config = TrainConfig(model="dnn", seeds=seeds, epochs=epochs, **(train_options or {}))
    metrics = train(config, datasets, out / "run", progress=progress)
    splits = SplitCache(datasets)
    per_seed = [
        _seed_study(directory, splits, n_explain, n_background, n_steps, k)
        for directory in tqdm(
            checkpoints(out / "run"), desc="explain", unit="network", disable=not progress
        )
    ]
    study: dict[str, Any] = {
        "samples": samples,
        "classifier": {
            name: {key: metrics[name][key] for key in ("mean", "std", "values")}
            for name in ("auc", "efficiency_0.01", "rejection_0.3", "rejection_0.5")
        },
        "features": per_seed[0]["features"],
        "explained": {
            "signal_events_per_seed": per_seed[0]["n_signal_explained"],
            "background_events_per_seed": per_seed[0]["n_background"],
            "n_steps": n_steps,
            "k": k,
        },
        "explanations": _combine(per_seed),
        "per_seed": per_seed,
    }
    if figures:
        study["figures"] = _figures(study, out / "figures")
    write_json(out / "study.json", study)
    with atomic_path(out / "study.md") as tmp:
        tmp.write_text(_markdown(study))
    return study
