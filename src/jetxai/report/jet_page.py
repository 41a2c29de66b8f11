"""The page of a jet-tagging study (``jetxai demo``, on its own data or on given datasets), built
section by section: each section builder returns what the template shows and the numbers it
adds to ``metrics.json``. The classes are named from the data (the catalogue's titles of its
processes), never by the page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from jetxai import data
from jetxai.evaluate.metrics import SCALARS
from jetxai.evaluate.statistics import MIN_PASSING
from jetxai.features import column
from jetxai.report import figures
from jetxai.report.common import (
    Classes,
    auc_stat,
    b64,
    background_counts,
    balanced_accuracy_cell,
    efficiency_cell,
    pm,
    read,
    rejection_cell,
    write_page,
)
from jetxai.report.jet_views import jet_views
from jetxai.report.layout import StudyLayout

#: The XAUG variables whose distributions the page shows.
SHOWN_XAUG = ("mass", "tau32", "d2", "msd")
#: The working points of the XAUG-gain table: metric → its label.
GAIN_POINTS = {
    "efficiency_0.01": "ε<sub>S</sub> at ε<sub>B</sub> = 1 %",
    "rejection_0.5": "1/ε<sub>B</sub> at ε<sub>S</sub> = 0.5",
    "auc": "AUC",
}
Section = tuple[dict[str, Any], dict[str, Any]]  # (template context, metrics.json entries)


def datasets_section(
    config: dict[str, Any], where: dict[str, Path], manifests: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    """The samples table and the XAUG distributions per sample (weighted where the jets carry
    generator weights), and the processes in the data."""
    samples, processes = [], set()
    values: dict[str, dict[str, tuple[np.ndarray, np.ndarray | None]]] = {n: {} for n in SHOWN_XAUG}
    for sample in config["samples"]:
        manifest = manifests[sample]
        weighted = "effective_jets" in manifest  # biased p̂_T sampling
        columns = ["process", *(column(n) for n in SHOWN_XAUG), *(["weight"] if weighted else [])]
        jets = data.read(where[sample], columns=columns)
        found = sorted(set(jets.process.to_list()))
        processes |= set(found)
        samples.append(
            {
                "name": sample,
                # imported data: its processes and source format, no generator numbers
                "process": manifest["config"].get("process")
                or ", ".join(found) + f" ({manifest.get('source_format', 'imported')})",
                "jets": manifest["jets_kept"],
                "events": manifest.get("events_tried"),
                "sigma": manifest.get("cross_section_pb"),
                "jets_per_event": manifest.get("jets_per_event"),
                "effective_jets": manifest.get("effective_jets"),
            }
        )
        weight = jets.weight.to_numpy() if weighted else None
        for name in SHOWN_XAUG:
            values[name][sample] = (jets[column(name)].to_numpy(), weight)
    distributions = [b64(figures.distributions(values[n], n)) for n in SHOWN_XAUG]
    context = {"datasets": samples, "distributions": distributions}
    return context, {"datasets": samples}, processes


def taggers_section(layout: StudyLayout, config: dict[str, Any]) -> Section:
    """The taggers' table (mean ± seed spread, statistics) and their ROC / rejection curves;
    a small default of a published architecture is named as such ("ParT-like (small)")."""
    from jetxai.models.registry import architecture

    models, curves, background, numbers = [], {}, {}, {}
    for name in config["models"]:
        run = read(layout.runs(name) / "metrics.json")
        label = architecture(run["model"], run.get("config", {}).get("preset"))
        models.append(
            {
                "name": name if label == run["model"] else f"{name} ({label})",
                "auc": pm(run["auc"]) + auc_stat(run["auc"]),
                "r03": rejection_cell(run, "0.3"),
                "r05": rejection_cell(run, "0.5"),
                "efficiency": efficiency_cell(run),
                "accuracy": balanced_accuracy_cell(run),
            }
        )
        curves[name] = [seed["roc"] for seed in run["per_seed"]]
        background[name] = background_counts(run)
        numbers[name] = {k: run[k] for k in SCALARS if k in run}
    context = {
        "models": models,
        "rejection_figure": b64(figures.rejection_curves(curves, background, MIN_PASSING)),
        "roc_figure": b64(figures.roc_curves(curves, background, MIN_PASSING)),
    }
    return context, {"taggers": numbers}


def xaug_gains(config: dict[str, Any], layout: StudyLayout) -> list[dict[str, Any]]:
    """Each low-level model trained with and without XAUGs (``x`` and ``x-xaug`` both in the
    study): its working points side by side, mean ± seed spread, and the change."""
    rows = []
    for name in config["models"]:
        if f"{name}-xaug" not in config["models"]:
            continue
        plain = read(layout.runs(name) / "metrics.json")
        added = read(layout.runs(f"{name}-xaug") / "metrics.json")
        for key, label in GAIN_POINTS.items():
            if key not in plain or key not in added:
                continue
            a, b = plain[key], added[key]
            change = b["mean"] - a["mean"]
            spread = float(np.hypot(a["std"], b["std"]))
            stat = _stat_in_quadrature(a, b)
            text = f"{change:+.3g} ± {spread:.2g}" + (f" ± {stat:.2g} (stat)" if stat else "")
            trained = plain.get("data", {}).get("n_jets", {}).get("train")
            numbers = {"model": name, "metric": key, "change": change, "spread": spread,
                       "training_jets": trained}  # fmt: skip
            rows.append(
                {
                    "model": name,
                    "point": label,
                    "without": pm(a, 3),
                    "with": pm(b, 3),
                    "change": text,
                    "numbers": numbers | ({"stat": stat} if stat else {}),
                }
            )
    return rows


def _stat_in_quadrature(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    """The two metrics' statistical errors (symmetrised where an interval) in quadrature: an
    upper estimate for their difference, as both are measured on the same test jets; None
    where either has none (or an open interval)."""

    def symmetric(metric: dict[str, Any]) -> float | None:
        stat = metric.get("stat")
        if isinstance(stat, list):
            return None if None in stat else 0.5 * (stat[0] + stat[1])
        return stat

    first, second = symmetric(a), symmetric(b)
    if first is None or second is None:
        return None
    return float(np.hypot(first, second))


def _signed_mean(ranking: dict[str, Any], name: str) -> float:
    """A variable's mean signed attribution over all explained jets (rankings written before
    signed means were recorded give NaN)."""
    return float(ranking.get("mean_relevance", {}).get(name, {}).get("all", float("nan")))


def _ig_baseline(layout: StudyLayout, model: str, baseline: str) -> dict[str, Any]:
    """One IG baseline's run: signed mean attribution per variable (mean and spread over
    seeds), its completeness and the first seed's scorecard (if it has one)."""
    report = read(layout.ig(model, baseline) / "ranking.json")
    names = list(report["seeds"][0]["ranking"]["mean_abs_relevance"])
    per_seed = np.array(
        [[_signed_mean(seed["ranking"], n) for n in names] for seed in report["seeds"]]
    )
    signed = {
        n: (float(m), float(e))
        for n, m, e in zip(names, per_seed.mean(axis=0), per_seed.std(axis=0), strict=True)
    }
    ratios = [s["conservation"]["median_abs_delta_over_logit"] for s in report["seeds"]]
    median = float(np.median(ratios))
    return {
        "names": names,
        "signed": signed,
        "completeness": {"baseline": baseline, "delta": f"{median:.2e}", "seeds": f"{len(ratios)}"},
        "numbers": {
            "baseline": baseline,
            "median_abs_delta_over_logit": median,
            "seeds": len(ratios),
        },
        "scorecard": report["seeds"][0].get("scorecard", []),
    }


def _with_error(value: float, error: float | None, form: str) -> str:
    """``value ± error`` in ``form`` (the error where the row records one)."""
    return f"{value:{form}}" + ("" if error is None else f" ± {error:.1g}")


def _scorecard_rows(scorecard: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The scorecard as table cells, each number with its standard error over the explained
    jets where the row records one."""
    rows = []
    for r in scorecard:
        completeness = (
            "–"
            if r["completeness_error"] is None
            else _with_error(r["completeness_error"], r.get("completeness_error_stat"), ".2e")
        )
        deletion = _with_error(r["deletion_auc"], r.get("deletion_auc_stat"), ".3f")
        reference = _with_error(r["random_deletion_auc"], r.get("random_deletion_auc_stat"), ".3f")
        rows.append(
            {
                "method": r["method"],
                "baseline": r["baseline"],
                "completeness": completeness,
                "deletion": f"{deletion} ({reference})",
                "seconds": f"{r['seconds']:.3f}",
            }
        )
    return rows


def ig_section(layout: StudyLayout, config: dict[str, Any]) -> Section:
    """IG on one model with each baseline: signed attributions side by side (most important
    first), completeness per baseline, and the scorecard of the first baseline that has one."""
    model = config["ig"]
    runs = {b: _ig_baseline(layout, model, b) for b in config["ig_baselines"]}
    signed = {b: run["signed"] for b, run in runs.items()}
    scorecard: list[dict[str, Any]] = next(
        (run["scorecard"] for run in runs.values() if run["scorecard"]), []
    )
    names = list(runs.values())[-1]["names"]
    # most important first: the largest |mean attribution| over the baselines
    order = sorted(names, key=lambda n: -max(abs(signed[b][n][0]) for b in signed))
    bars = {b: ([t[n][0] for n in order], [t[n][1] for n in order]) for b, t in signed.items()}
    context = {
        "ig_model": model,
        "baseline_figure": b64(figures.baseline_comparison(order, bars)),
        "completeness": [run["completeness"] for run in runs.values()],
        "scorecard": _scorecard_rows(scorecard),
    }
    numbers = {
        "model": model,
        "mean_attribution": {
            b: {n: {"mean": v[0], "std": v[1]} for n, v in table.items()}
            for b, table in signed.items()
        },
        "completeness": [run["numbers"] for run in runs.values()],
        "scorecard": [{k: v for k, v in r.items() if k != "mean_attribution"} for r in scorecard],
    }
    return context, {"ig": numbers}


def reduced_section(layout: StudyLayout) -> Section:
    """The reduced-feature curve (rejection against the number of leading variables) and the
    ROC curves of the networks on the k leading variables."""
    reduced = read(layout.reduced / "curve.json")
    figure = figures.reduced_curve(
        reduced["ks"],
        {label: [p["rejection_0.5"] for p in c] for label, c in reduced["curves"].items()},
        reduced["reference"],
    )
    context = {"reduced_figure": b64(figure), "reduced_roc": _reduced_roc(layout, reduced)}
    return context, {"reduced": reduced}


def _reduced_roc(layout: StudyLayout, reduced: dict[str, Any]) -> str | None:
    """ROC curves of the network retrained on the k leading variables of the first ordering
    (the LRP one), beside the network on all of them; None for studies that did not record
    where the curve's networks are."""
    from jetxai.train.reduced import k_directory

    directories = reduced.get("directories")
    if not directories:
        return None
    label = next(iter(directories))
    curves, background = {}, {}
    for k in reduced["ks"]:
        run = read(k_directory(layout.reduced / directories[label], k) / "metrics.json")
        name = f"{k} leading XAUG{'s' if k > 1 else ''}"
        curves[name] = [seed["roc"] for seed in run["per_seed"]]
        background[name] = background_counts(run)
    return b64(figures.roc_curves(curves, background, MIN_PASSING))


def build_jet_page(
    layout: StudyLayout,
    config: dict[str, Any],
    where: dict[str, Path],
    manifests: dict[str, dict[str, Any]],
) -> Path:
    """Write the page of a jet-tagging study and its metrics.json; return the page."""
    from jetxai.report.lrp_section import lrp_sections
    from jetxai.report.truth_section import truth_section

    datasets, metrics, processes = datasets_section(config, where, manifests)
    classes = Classes.of(processes, config.get("signal"))
    context = {
        "title": config.get("title", "jetxai study"),
        "summary": config.get("summary", ""),
        "seeds": config["seeds"],
        "signal": classes.signal,
        "background": classes.background,
        "configuration": json.dumps(config, indent=2),
        "ig_weights": "by cross-section (σ / events tried of each process)"
        if config.get("ig_weights", "xsec") == "xsec"
        else f"uniformly ({config.get('ig_weights_why', 'as asked')})",
    } | datasets
    metrics = {"config": config} | metrics
    for built, numbers in (
        taggers_section(layout, config),
        lrp_sections(layout, config, classes),
        ig_section(layout, config),
        reduced_section(layout),
        truth_section(layout, config),
    ):
        context |= built
        metrics |= numbers
    gains, jets = xaug_gains(config, layout), jet_views(layout, config, classes)
    context |= {"gains": gains, "jets": jets}
    metrics["xaug_gains"] = [row["numbers"] for row in gains]
    metrics["jets"] = [view["numbers"] for view in jets]
    return write_page(layout.report, "index.html.j2", context, metrics)
