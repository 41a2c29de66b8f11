"""ROC curves and the tagging metrics of the field.

For scores s (higher = more signal-like), labels y ∈ {0, 1} and optional weights w:

- ROC: signal efficiency ε_S(t) = Σ_{y=1, s≥t} w / Σ_{y=1} w against background efficiency
  ε_B(t), over every distinct threshold t (tied scores move together);
- AUC = P(s_sig > s_bkg) + ½ P(s_sig = s_bkg), the Mann–Whitney statistic (trapezoidal area
  under the ROC with ties);
- background rejection 1/ε_B at a working point ε_S, with ε_B interpolated linearly in ε_S
  along the ROC (the usual convention of the Top Tagging Landscape paper, arXiv:1902.09914).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jetxai.errors import InputError

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Roc:
    """A ROC curve: ε_S and ε_B at every distinct threshold, from (0, 0) to (1, 1)."""

    signal_efficiency: Array
    background_efficiency: Array
    thresholds: Array


def _check(scores: npt.ArrayLike, labels: npt.ArrayLike, weights: npt.ArrayLike | None):  # type: ignore[no-untyped-def]
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels).ravel()
    w = np.ones_like(s) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if not len(s) == len(y) == len(w):
        raise InputError(
            f"scores, labels and weights differ in length: {len(s)}, {len(y)}, {len(w)}"
        )
    if not np.isin(y, (0, 1)).all():
        raise InputError("labels must be 0 (background) or 1 (signal)")
    if not np.isfinite(s).all():
        raise InputError("scores contain NaN or infinity")
    if (w < 0).any():
        raise InputError("weights must be non-negative")
    if w[y == 1].sum() <= 0 or w[y == 0].sum() <= 0:
        raise InputError("need both signal and background with positive weight")
    return s, y.astype(bool), w


def roc_curve(
    scores: npt.ArrayLike, labels: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> Roc:
    """The ROC curve of ``scores`` for ``labels`` (1 = signal)."""
    s, y, w = _check(scores, labels, weights)
    order = np.argsort(-s, kind="stable")
    s, y, w = s[order], y[order], w[order]
    signal = np.cumsum(np.where(y, w, 0.0))
    background = np.cumsum(np.where(y, 0.0, w))
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    return Roc(
        signal_efficiency=np.r_[0.0, signal[last_of_tie] / signal[-1]],
        background_efficiency=np.r_[0.0, background[last_of_tie] / background[-1]],
        thresholds=np.r_[np.inf, s[last_of_tie]],
    )


def auc(
    scores: npt.ArrayLike, labels: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> float:
    """Area under the ROC curve (ε_B on x, ε_S on y); 0.5 is random, 1 perfect."""
    roc = roc_curve(scores, labels, weights)
    return float(np.trapezoid(roc.signal_efficiency, roc.background_efficiency))


def rejection(roc: Roc, signal_efficiency: float) -> float:
    """1/ε_B at the working point ε_S (ε_B interpolated along the ROC; inf if ε_B = 0)."""
    if not 0 < signal_efficiency <= 1:
        raise InputError(f"signal efficiency must be in (0, 1], got {signal_efficiency}")
    eff_s, eff_b = roc.signal_efficiency, roc.background_efficiency
    # first point reaching the working point, interpolated from the one before
    i = int(np.searchsorted(eff_s, signal_efficiency, side="left"))
    lo_s, hi_s, lo_b, hi_b = eff_s[i - 1], eff_s[i], eff_b[i - 1], eff_b[i]
    fraction = (signal_efficiency - lo_s) / (hi_s - lo_s)
    background = lo_b + fraction * (hi_b - lo_b)
    return float(np.inf) if background <= 0 else float(1.0 / background)


def signal_efficiency(roc: Roc, background_efficiency: float) -> float:
    """ε_S at the working point ε_B (the ROC's ε_S at the last point with ε_B at most the working
    point, interpolated linearly towards the next one)."""
    if not 0 < background_efficiency <= 1:
        raise InputError(f"background efficiency must be in (0, 1], got {background_efficiency}")
    eff_s, eff_b = roc.signal_efficiency, roc.background_efficiency
    i = int(np.searchsorted(eff_b, background_efficiency, side="right")) - 1
    if i >= len(eff_b) - 1:
        return float(eff_s[-1])
    lo_b, hi_b, lo_s, hi_s = eff_b[i], eff_b[i + 1], eff_s[i], eff_s[i + 1]
    fraction = (background_efficiency - lo_b) / (hi_b - lo_b)
    return float(lo_s + fraction * (hi_s - lo_s))
