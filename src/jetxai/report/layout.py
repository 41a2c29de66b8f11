"""The layout of a study directory: where a study writes what, and where the report reads it.

Every study directory holds ``study.json``, its configuration, whose ``kind`` says which page
the report renders:

- ``jet-tagging`` (``jetxai demo``): ``data/<sample>/`` datasets, ``runs/<model>/`` trained
  seed ensembles, ``explain/lrp-<model>/`` and ``explain/ig-<model>-<baseline>/`` explanations,
  ``reduced/curve.json``; ``truth/<model>/truth.json`` (the retraining truth and the scores);
- ``event-classification`` (``jetxai study``): ``run/`` the trained ensemble, ``results.json``
  every number, ``study.md`` the tables, ``figures/*.png``.

The report goes to ``report/index.html`` and ``report/metrics.json`` in either case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

JET_TAGGING = "jet-tagging"
EVENT_CLASSIFICATION = "event-classification"
KINDS = (JET_TAGGING, EVENT_CLASSIFICATION)


@dataclass(frozen=True)
class StudyLayout:
    """Paths inside the study directory ``root``."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "study.json"

    @property
    def results(self) -> Path:
        return self.root / "results.json"

    @property
    def tables(self) -> Path:
        return self.root / "study.md"

    @property
    def figures(self) -> Path:
        return self.root / "figures"

    @property
    def report(self) -> Path:
        return self.root / "report"

    @property
    def run(self) -> Path:
        return self.root / "run"

    def data(self, sample: str) -> Path:
        return self.root / "data" / sample

    def runs(self, model: str) -> Path:
        return self.root / "runs" / model

    def lrp(self, model: str) -> Path:
        return self.root / "explain" / f"lrp-{model}"

    def ig(self, model: str, baseline: str) -> Path:
        return self.root / "explain" / f"ig-{model}-{baseline}"

    @property
    def reduced(self) -> Path:
        return self.root / "reduced"

    @property
    def truth(self) -> Path:
        return self.root / "truth"
