"""Tagging metrics per trained network and aggregated over a seed ensemble.

Per seed: AUC with its statistical standard error (:func:`.statistics.auc_standard_error`),
background rejection 1/ε_B at ε_S = 0.3 and 0.5, signal efficiency ε_S at ε_B = 1 % (with its
Clopper–Pearson interval from the test signal count and the background jets passing at the
working point: fewer than ten make the working point itself uncertain, flagged
``efficiency_0.01_is_imprecise``), the balanced accuracy at its best threshold
½ (1 + max_t (ε_S(t) − ε_B(t))) with its binomial standard error, and the ROC arrays.
``accuracy`` (the weighted share of jets on the right side of logit 0) is kept for older
readers but is not a property of the tagger alone: it depends on the calibration of the logits
and on the test split's class balance (a barely trained PFN on a 7 : 1 QCD-heavy test split
scored 0.28 with AUC 0.91, because 80 % of its QCD logits were still above 0), so the page shows
the balanced accuracy instead. Each rejection comes with the number of test background
jets passing (effective count for weighted samples), its Clopper–Pearson 68 % interval, and
``rejection_<ε>_is_lower_bound``: true when fewer than ten background jets pass, so the value is
a bound set by the test sample's size rather than a measurement. Where none passes, 1/ε_B is
reported as its lower bound Σw_B / max(w_B), so aggregates stay finite and the JSON valid.

Aggregated: each scalar as ``{"mean", "std", "values"}`` over seeds (std is the sample standard
deviation, ddof = 1; 0 for a single seed) — the XAUG paper's measure of the numerical
uncertainty of training — and for the AUC and the rejections the statistical uncertainty of one
seed's measurement (``stat``; intervals and passing counts per seed) and the two combined in
quadrature (``total``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from jetxai.evaluate.roc import auc, rejection, roc_curve, signal_efficiency
from jetxai.evaluate.seeds import summary
from jetxai.evaluate.statistics import (
    MIN_PASSING,
    auc_standard_error,
    clopper_pearson,
    effective_count,
    working_point,
)

WORKING_POINTS = (0.3, 0.5)
#: ε_B of the signal-efficiency working point.
BACKGROUND_POINT = 0.01
SCALARS = (
    "auc",
    "rejection_0.3",
    "rejection_0.5",
    "efficiency_0.01",
    "accuracy",
    "balanced_accuracy",
)
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
    result["auc_stat"] = auc_standard_error(s, y, None if weights is None else w)
    background = w[y == 0]
    result["background_effective"] = effective_count(background)
    n_signal = effective_count(w[y == 1])
    result |= _efficiency_statistics(result, n_signal)
    result |= _balanced_accuracy(roc, n_signal, result["background_effective"])
    for point in WORKING_POINTS:
        measured = rejection_at(roc, point, background)
        result[f"rejection_{point}"] = measured["rejection"]
        for name in ("is_lower_bound", "passing", "interval"):
            result[f"rejection_{point}_{name}"] = measured[name]
    return result


def rejection_at(
    roc: Any, signal_efficiency: float, background: npt.NDArray[np.float64]
) -> dict[str, Any]:
    """1/ε_B at ``signal_efficiency`` on ``roc`` with what it rests on, from the test
    ``background`` weights: ``rejection`` (where no background jet passes, its lower bound
    Σw_B / max(w_B)), ``is_lower_bound`` (fewer than ten passing), ``passing`` (effective
    count) and the Clopper–Pearson ``interval`` (upper end None where ε_B may be 0)."""
    bound = float(background.sum() / background.max())
    value = rejection(roc, signal_efficiency)
    counted = working_point(roc, signal_efficiency, effective_count(background))
    low, high = counted["interval"]
    return {
        "rejection": min(value, bound),
        "is_lower_bound": bool(value >= bound or counted["is_bound"]),
        "passing": counted["background_passing"],
        "interval": [low, None if np.isinf(high) else high],
    }


def _efficiency_statistics(result: dict[str, Any], n_signal: float) -> dict[str, Any]:
    """ε_S at ε_B = 1 %: its Clopper–Pearson interval (from the signal count) and the background
    jets passing at the working point."""
    name = f"efficiency_{BACKGROUND_POINT}"
    efficiency = result[name]
    passing = BACKGROUND_POINT * result["background_effective"]
    return {
        f"{name}_interval": list(clopper_pearson(efficiency * n_signal, n_signal)),
        f"{name}_passing": passing,
        f"{name}_is_imprecise": bool(passing < MIN_PASSING),
    }


def _balanced_accuracy(roc: Any, n_signal: float, n_background: float) -> dict[str, Any]:
    """The balanced accuracy ½ (ε_S + 1 − ε_B) at the threshold that maximises it, and its
    binomial standard error there (the maximisation's own small bias is not included)."""
    eff_s, eff_b = roc.signal_efficiency, roc.background_efficiency
    best = int(np.argmax(eff_s - eff_b))
    s, b = float(eff_s[best]), float(eff_b[best])
    error = 0.5 * float(np.sqrt(s * (1 - s) / n_signal + b * (1 - b) / n_background))
    return {"balanced_accuracy": 0.5 * (1.0 + s - b), "balanced_accuracy_stat": error}


def aggregate(per_seed: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean ± standard deviation over seeds of every scalar metric, with the statistical
    uncertainty of the AUC and the rejections beside the seed spread."""
    out = {name: summary([float(m[name]) for m in per_seed]) for name in SCALARS}
    for name in ("auc", "balanced_accuracy"):
        if all(f"{name}_stat" in m for m in per_seed):
            stat = float(np.mean([m[f"{name}_stat"] for m in per_seed]))
            out[name] |= {"stat": stat, "total": float(np.hypot(out[name]["std"], stat))}
    name = f"efficiency_{BACKGROUND_POINT}"
    if all(f"{name}_interval" in m for m in per_seed):
        entry = out[name]
        low = float(np.mean([m[name] - m[f"{name}_interval"][0] for m in per_seed]))
        high = float(np.mean([m[f"{name}_interval"][1] - m[name] for m in per_seed]))
        entry["stat"] = [low, high]
        entry["passing"] = [float(m[f"{name}_passing"]) for m in per_seed]
        entry["is_imprecise"] = any(m[f"{name}_is_imprecise"] for m in per_seed)
    for point in WORKING_POINTS:
        name = f"rejection_{point}"
        if not all(f"{name}_interval" in m for m in per_seed):
            continue
        entry = out[name]
        below = float(np.mean([m[name] - m[f"{name}_interval"][0] for m in per_seed]))
        uppers = [m[f"{name}_interval"][1] for m in per_seed]
        above = None if None in uppers else float(np.mean(uppers) - entry["mean"])
        entry["stat"] = [below, above]
        entry["total"] = [
            float(np.hypot(entry["std"], below)),
            None if above is None else float(np.hypot(entry["std"], above)),
        ]
        entry["passing"] = [float(m[f"{name}_passing"]) for m in per_seed]
        entry["is_lower_bound"] = any(m[f"{name}_is_lower_bound"] for m in per_seed)
    return out
