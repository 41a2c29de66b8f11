"""Tagging metrics per trained network and aggregated over a seed ensemble.

Per seed: AUC, background rejection 1/ε_B at ε_S = 0.3 and 0.5, signal efficiency ε_S at
ε_B = 1 %, accuracy at score threshold 0, and the ROC arrays. Where no background passes the working
point, 1/ε_B is unbounded; it is then reported as its lower bound Σw_B / max(w_B) (fewer than
one background jet passes) and ``rejection_<ε>_is_lower_bound`` is true, so aggregates stay
finite and the JSON valid.

Aggregated: each scalar as ``{"mean", "std", "values"}`` over seeds (std is the sample standard
deviation, ddof = 1; 0 for a single seed) — the XAUG paper's measure of the numerical
uncertainty of training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from jetxai.evaluate.roc import auc, rejection, roc_curve, signal_efficiency
from jetxai.evaluate.seeds import summary

WORKING_POINTS = (0.3, 0.5)
#: ε_B of the signal-efficiency working point.
BACKGROUND_POINT = 0.01
SCALARS = ("auc", "rejection_0.3", "rejection_0.5", "efficiency_0.01", "accuracy")
#: ROC arrays are thinned to at most this many points in metrics.json.
ROC_POINTS = 200


def tagging_metrics(
    scores: npt.ArrayLike, labels: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> dict[str, Any]:
    """Metrics of one classifier's scores (logits or probabilities; higher = signal)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels)
    w = np.ones_like(s) if weights is None else np.asarray(weights, dtype=np.float64)
    roc = roc_curve(s, y, w)
    keep = np.unique(np.linspace(0, len(roc.signal_efficiency) - 1, ROC_POINTS).astype(int))
    correct = (s > 0) == (y == 1)
    result: dict[str, Any] = {
        "auc": auc(s, y, w),
        f"efficiency_{BACKGROUND_POINT}": signal_efficiency(roc, BACKGROUND_POINT),
        "accuracy": float(np.sum(w * correct) / np.sum(w)),
        "roc": {
            "signal_efficiency": roc.signal_efficiency[keep].tolist(),
            "background_efficiency": roc.background_efficiency[keep].tolist(),
        },
    }
    background = w[y == 0]
    bound = float(background.sum() / background.max())
    for point in WORKING_POINTS:
        value = rejection(roc, point)
        result[f"rejection_{point}"] = min(value, bound)
        result[f"rejection_{point}_is_lower_bound"] = bool(value >= bound)
    return result


def aggregate(per_seed: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean ± standard deviation over seeds of every scalar metric."""
    return {name: summary([float(m[name]) for m in per_seed]) for name in SCALARS}
