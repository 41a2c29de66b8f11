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

Outputs under ``out`` (the layout of :mod:`jetxai.report.layout`)::

    study.json               the study's configuration (kind ``event-classification``)
    run/                     the training run (metrics.json, seed-<k>/ checkpoints)
    results.json             samples (cut flows, yields), classifier metrics, per explanation:
                             mean attribution per feature on signal (mean ± std over seeds),
                             ranking, deletion AUC, completeness error
    study.md                 the same as Markdown tables, and the first network's full scorecard
    figures/attribution-<explanation>.png   mean signal attribution per feature, ranked
    figures/attribution-comparison.png      the leading features under every explanation
    report/index.html, report/metrics.json  the page (``jetxai report`` rebuilds it)

Example::

    from jetxai.studies.event_study import run_event_study
    run_event_study(["data/vlq", "data/ttbar", "data/wjets", "data/singletop"], "study")
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from jetxai import data
from jetxai._io import atomic_path, write_json
from jetxai._quiet import bar_disabled
from jetxai._versions import versions
from jetxai.catalogue.events import STAGE_NAMES, STAGES
from jetxai.errors import InputError
from jetxai.evaluate.scorecard import format_scorecard, scorecard
from jetxai.evaluate.seeds import mean_std, plus_minus
from jetxai.models import load
from jetxai.models.inputs import prepare_inputs
from jetxai.models.spec import ModelSpec
from jetxai.report.build import build_report
from jetxai.report.layout import EVENT_CLASSIFICATION, StudyLayout
from jetxai.studies.background import background_sample
from jetxai.studies.checkpoints import SplitCache, checkpoints
from jetxai.train import TrainConfig, train

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


def blank_baseline(spec: ModelSpec) -> torch.Tensor:
    """(1, K) the physically empty event (every feature 0 GeV, 0 rad, no jets) in the network's
    standardised inputs. IG's ``zero`` is instead the standardised origin, the training mean."""
    return (-torch.tensor(spec.xaug_mean) / torch.tensor(spec.xaug_std)).unsqueeze(0)


def _seed_study(
    directory: Path,
    splits: SplitCache,
    n_explain: int,
    n_background: int,
    n_steps: int,
    k: int,
    progress: bool = False,
) -> dict[str, Any]:
    model = load(directory)
    if model.representation != "xaug":
        raise InputError(f"{directory}: the event study needs a dense network on event features")
    samples = splits(model)
    rng = np.random.default_rng(0)
    signal = samples.test[samples.target[samples.test] == 1][:n_explain]
    rows, uniform, xsec = background_sample(samples, rng, n_background)
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
        progress=progress,
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


def _combine(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    features = per_seed[0]["features"]
    out = {}
    for name in EXPLANATIONS.values():
        rows = [s["explanations"][name] for s in per_seed]
        mean, std = mean_std([r["mean_attribution"] for r in rows])
        order = np.argsort(-np.abs(mean), kind="stable")
        deletion, deletion_std = mean_std([r["deletion_auc"] for r in rows])
        random, _ = mean_std([r["random_deletion_auc"] for r in rows])
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
    lines = [
        "| process | σ [pb] | " + " | ".join(STAGE_NAMES.values()) + " | yield [fb] | stored |"
    ]
    lines.append("|" + "---|" * (len(STAGE_NAMES) + 4))
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
        f"| {plus_minus(m['auc'], 4)} | {plus_minus(m['efficiency_0.01'], 3)} | "
        f"{plus_minus(m['rejection_0.5'], 1)} | "
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
            f"| {name} | {top} | {plus_minus(deletion, 3)} "
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


def _write_png(path: Path, figure: Any) -> str:
    from jetxai.report.figures import png

    with atomic_path(path) as tmp:
        tmp.write_bytes(png(figure))
    return str(path)


def _figures(study: dict[str, Any], directory: Path) -> list[str]:
    from jetxai.report.figures import baseline_comparison, ranking

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    explanations = study["explanations"]
    leading = explanations["ig-averaged-xsec"]["ranking"][:COMPARED_FEATURES]
    comparison = {
        name: (
            [explanations[name]["mean_attribution"][f] for f in leading],
            [explanations[name]["mean_attribution_std"][f] for f in leading],
        )
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


def _study_config(
    datasets: Sequence[str | os.PathLike[str]], options: dict[str, Any]
) -> dict[str, Any]:
    """The study's ``study.json``: its kind, title and summary, datasets, options, versions."""
    return {
        "kind": EVENT_CLASSIFICATION,
        "title": "jetxai event study: a heavy-quark signal against Standard Model backgrounds",
        "summary": (
            f"A dense network on event features, {options['seeds']} seeds, explained on the "
            f"signal events of its test split by IG ({options['n_steps']} steps) with the zero, "
            "blank, mean, median and averaged background baselines and by LRP."
        ),
        "datasets": [str(d) for d in datasets],
        "options": options,
        "versions": versions(("jetxai", "pythia8mc", "fastjet", "awkward", "torch", "numpy")),
    }


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
    layout = StudyLayout(Path(out))
    samples = _samples_table(datasets)
    if "vlq" not in samples:
        raise InputError("the event study needs a vlq (signal) dataset")
    config = TrainConfig(model="dnn", seeds=seeds, epochs=epochs, **(train_options or {}))
    layout.root.mkdir(parents=True, exist_ok=True)
    options = {
        "seeds": seeds,
        "epochs": epochs,
        "n_explain": n_explain,
        "n_background": n_background,
        "n_steps": n_steps,
        "k": k,
        "train_options": train_options or {},
    }
    write_json(layout.config, _study_config(datasets, options))
    metrics = train(config, datasets, layout.run, progress=progress)
    splits = SplitCache(datasets)
    per_seed = [
        _seed_study(directory, splits, n_explain, n_background, n_steps, k, progress)
        for directory in tqdm(
            checkpoints(layout.run), desc="explain", unit="network", disable=bar_disabled(progress)
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
        from jetxai.report.common import energy_label
        from jetxai.report.figures import experiment_label

        with experiment_label(energy_label(data.read_manifest(d) for d in datasets)):
            study["figures"] = _figures(study, layout.figures)
    write_json(layout.results, study)
    with atomic_path(layout.tables) as tmp:
        tmp.write_text(_markdown(study))
    if figures:
        build_report(layout.root)
    return study
