"""The retraining-truth section of a jet-tagging study's page: per tagger, the importance of
each XAUG variable measured by retraining without it, and how well each explanation's ranking
agrees with that order (:mod:`jetxai.evaluate.truth`)."""

from __future__ import annotations

from typing import Any

from jetxai.report.labels import html
from jetxai.report.layout import StudyLayout

Section = tuple[dict[str, Any], dict[str, Any]]


def _signed(value: dict[str, Any], digits: int) -> str:
    """mean ± seed spread ± statistical error (the last where the test counts give one), and
    "(from a bound)" where either run's number is only a bound."""
    text = f"{value['mean']:+.{digits}f} ± {value['std']:.{digits}f} (seeds)"
    if value.get("stat") is not None:
        text += f" ± {value['stat']:.{digits}f} (stat)"
    return text + (" (from a bound)" if value.get("bound") else "")


def truth_section(layout: StudyLayout, config: dict[str, Any]) -> Section:
    """The page's context (``truth``: one entry per tagger) and metrics.json's numbers."""
    import json

    tables, numbers = [], {}
    for name in config.get("truth", []):
        path = layout.truth / name / "truth.json"
        if not path.is_file():
            continue
        found = json.loads(path.read_text())
        truth, scores = found["truth"], found["scores"]
        numbers[name] = found
        tables.append({
            "model": name,
            "importance": [
                {"name": html(v), "auc": _signed(truth["importance"][v]["auc"], 4),
                 "significant": truth["importance"][v]["auc"].get("significant", True),
                 "rejection": _signed(truth["importance"][v]["rejection_0.5"], 1)}
                for v in truth["order"]
            ],
            "scores": [
                {"method": label, "tau": s["kendall_tau"]["mean"], "std": s["kendall_tau"]["std"],
                 "low": s["kendall_tau"]["interval"][0], "high": s["kendall_tau"]["interval"][1],
                 "top": next(v["mean"] for k, v in s.items() if k.startswith("top_")),
                 "best": label in found["best"]}
                for label, s in sorted(scores.items(), key=lambda i: -i[1]["kendall_tau"]["mean"])
            ],
            "trainings": truth["trainings"] * truth["seeds"],
            "significant": truth.get("significant"),
            "variables": len(truth["order"]),
            "seconds": found["seconds"]["all"],
        })  # fmt: skip
    return {"truth_tables": tables}, {"retraining_truth": numbers}
