"""The page of an event-classification study (``jetxai study``): samples and cut flow, the
classifier, and every explanation with its figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jetxai import data
from jetxai.catalogue.events import STAGE_NAMES, STAGES
from jetxai.evaluate.statistics import MIN_PASSING
from jetxai.report import figures
from jetxai.report.common import (
    auc_stat,
    b64,
    background_counts,
    efficiency_cell,
    energy_label,
    pm,
    read,
    rejection_cell,
    write_page,
)
from jetxai.report.labels import html
from jetxai.report.layout import StudyLayout


def build_event_page(layout: StudyLayout, config: dict[str, Any]) -> Path:
    """Write the page of an event-classification study and its metrics.json; return the page."""
    results = read(layout.results)
    manifests = [
        data.read_manifest(d)
        for d in config.get("datasets", [])
        if Path(d, "manifest.json").is_file()
    ]
    with figures.experiment_label(energy_label(manifests)):
        context = _classifier(layout, results) | _explanations(layout, results)
    context |= {
        "title": config.get("title", "jetxai event study"),
        "summary": config.get("summary", ""),
        "stages": [STAGE_NAMES[stage] for stage in STAGES],
        "samples": _samples(results),
        "configuration": json.dumps(config, indent=2),
    }
    metrics = {"config": config} | {k: v for k, v in results.items() if k != "figures"}
    return write_page(layout.report, "event.html.j2", context, metrics)


def _samples(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each sample's cross-section, cut flow, selected yield and events stored."""
    return [
        {
            "name": name,
            "sigma": entry["cross_section_pb"],
            "flow": [f"{entry['cut_flow'][stage]['efficiency']:.3g}" for stage in STAGES],
            "yield_fb": 1e3 * entry["selected_yield_pb"],
            "stored": entry["events_stored"],
        }
        for name, entry in results["samples"].items()
    ]


def _classifier(layout: StudyLayout, results: dict[str, Any]) -> dict[str, Any]:
    """The classifier's metrics and its ROC and rejection curves."""
    run = read(layout.run / "metrics.json")
    classifier = results["classifier"]
    curves = {"classifier": [seed["roc"] for seed in run["per_seed"]]}
    counts = {"classifier": background_counts(run)}
    return {
        "seeds": len(classifier["auc"]["values"]),
        "auc": pm(run["auc"]) + auc_stat(run["auc"]),
        "efficiency": efficiency_cell(run),
        "r05": rejection_cell(run, "0.5"),
        "curves": [
            b64(figures.roc_curves(curves, counts, MIN_PASSING)),
            b64(figures.rejection_curves(curves, counts, MIN_PASSING)),
        ],
    }


def _explanations(layout: StudyLayout, results: dict[str, Any]) -> dict[str, Any]:
    """Every explanation's leading features, deletion AUC and completeness, and the figures."""
    from markupsafe import Markup

    explanations = [
        {
            "name": name,
            "leading": Markup(", ").join(html(n) for n in entry["ranking"][:5]),
            "deletion": f"{pm(entry['deletion_auc'], 3)} ({entry['random_deletion_auc']:.3f})",
            "completeness": "–"
            if entry["completeness_error"] is None
            else f"{entry['completeness_error']:.1e}",
        }
        for name, entry in results["explanations"].items()
    ]
    wanted = {Path(f).name for f in results.get("figures", [])}
    pictures = [
        b64(path.read_bytes())
        for path in sorted(layout.figures.glob("*.png"))
        if path.name in wanted
    ]
    return {
        "explained": results["explained"],
        "explanations": explanations,
        "figures": pictures,
    }
