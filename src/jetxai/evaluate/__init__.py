"""Evaluation: tagging metrics (ROC, AUC, background rejection) and, later, attribution quality."""

from __future__ import annotations

from jetxai.evaluate.roc import Roc, auc, rejection, roc_curve

__all__ = ["Roc", "auc", "rejection", "roc_curve"]
