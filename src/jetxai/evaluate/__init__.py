"""Evaluation: tagging metrics (ROC, AUC, background rejection) and summaries of what taggers
rely on (relevance shares, XAUG rankings, relevance maps)."""

from __future__ import annotations

from jetxai.evaluate.metrics import aggregate, tagging_metrics
from jetxai.evaluate.relevance import (
    branch_share,
    constituent_profile,
    ensemble_ranking,
    mean_images,
    xaug_ranking,
)
from jetxai.evaluate.roc import Roc, auc, rejection, roc_curve

__all__ = [
    "Roc",
    "aggregate",
    "auc",
    "branch_share",
    "constituent_profile",
    "ensemble_ranking",
    "mean_images",
    "rejection",
    "roc_curve",
    "tagging_metrics",
    "xaug_ranking",
]
