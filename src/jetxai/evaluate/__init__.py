"""Evaluation: tagging metrics (ROC, AUC, background rejection) and, later, attribution quality."""

from __future__ import annotations

from jetxai.evaluate.metrics import aggregate, tagging_metrics
from jetxai.evaluate.roc import Roc, auc, rejection, roc_curve

__all__ = ["Roc", "aggregate", "auc", "rejection", "roc_curve", "tagging_metrics"]
