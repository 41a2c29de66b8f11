"""The report: one self-contained HTML page and metrics.json for a study directory."""

from __future__ import annotations

from jetxai.report.build import build_report

__all__ = ["build_report"]
