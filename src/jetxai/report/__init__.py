"""The report: one self-contained HTML page and metrics.json for a study, and the demo study."""

from __future__ import annotations

from jetxai.report.build import build_report
from jetxai.report.demo import run_demo

__all__ = ["build_report", "run_demo"]
