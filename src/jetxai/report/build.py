"""Building the report of a study directory: ``report/index.html`` (self-contained, images
embedded) and ``report/metrics.json`` (every number the page shows). An explanation directory
of a multi-class tagger or a weaver model (its ``classes.json``) gets the per-class page
(:mod:`jetxai.report.explanation_page`).

The study's ``study.json`` says its kind; :mod:`jetxai.report.layout` says where each kind keeps
its files. A jet-tagging study (``jetxai demo``) gets the tagger page
(:mod:`jetxai.report.jet_page`), an event-classification study (``jetxai study``) the event page
(:mod:`jetxai.report.event_page`).
"""

from __future__ import annotations

import os
from pathlib import Path

from jetxai import data
from jetxai.errors import InputError
from jetxai.report import figures
from jetxai.report.common import energy_label, read
from jetxai.report.event_page import build_event_page
from jetxai.report.explanation_page import build_explanation_page
from jetxai.report.jet_page import build_jet_page
from jetxai.report.layout import EVENT_CLASSIFICATION, JET_TAGGING, KINDS, StudyLayout


def build_report(study: str | os.PathLike[str]) -> Path:
    """Write ``study/report/index.html`` and ``study/report/metrics.json``; return the page."""
    try:
        return _build(Path(study))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            f"{study}: the study's files are not what jetxai writes ({type(exc).__name__}: {exc})"
        ) from None


def _build(study: Path) -> Path:
    if (study / "classes.json").is_file() and not (study / "study.json").exists():
        return build_explanation_page(study)  # a per-class explanation directory
    layout = StudyLayout(study)
    config = read(layout.config)
    kind = config.get("kind", JET_TAGGING)  # demo directories from before kinds were recorded
    if kind == EVENT_CLASSIFICATION:
        return build_event_page(layout, config)
    if kind != JET_TAGGING:
        raise InputError(f"{layout.config}: unknown study kind {kind!r}; jetxai writes {KINDS}")
    paths = config.get("sample_paths", {})  # a study on given datasets says where they are
    where = {s: Path(paths[s]) if s in paths else layout.data(s) for s in config["samples"]}
    manifests = {s: data.read_manifest(path) for s, path in where.items()}
    with figures.experiment_label(energy_label(manifests.values())):
        return build_jet_page(layout, config, where, manifests)
