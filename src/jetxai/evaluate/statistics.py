"""Statistical uncertainties of tagging metrics, from the test counts.

- :func:`clopper_pearson`: the exact binomial (Clopper–Pearson) interval of an efficiency from
  k of n passing, at 68.27 % by default (the "±1σ" of the tables);
- :func:`effective_count`: Kish's n_eff = (Σw)² / Σw², so weighted samples (cross-section
  weights) get the interval of an unweighted sample of the same statistical power;
- :func:`working_point`: ε_B at a signal-efficiency working point with its interval, the
  number of background jets passing, and whether it is a measurement or only a bound (fewer
  than :data:`MIN_PASSING` background jets pass: 1/ε_B is then reported as a lower bound);
- :func:`auc_standard_error`: DeLong's standard error of the AUC (unweighted), or the
  Hanley–McNeil approximation with effective counts for weighted samples.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from jetxai.evaluate.roc import Roc, rejection

#: Fewer background jets than this passing a working point make its 1/ε_B a bound.
MIN_PASSING = 10
#: Coverage of the intervals: the Gaussian ±1σ.
ONE_SIGMA = math.erf(1 / math.sqrt(2))


def clopper_pearson(k: float, n: float, level: float = ONE_SIGMA) -> tuple[float, float]:
    """Exact central interval of a binomial efficiency from ``k`` of ``n`` passing (``k`` may be
    fractional, as for an interpolated working point or an effective count)."""
    if not 0 <= k <= n or n <= 0:
        raise ValueError(f"need 0 <= k <= n and n > 0, got k = {k}, n = {n}")
    low, high = clopper_pearson_band(np.array([k]), n, level)
    return float(low[0]), float(high[0])


def clopper_pearson_band(
    k: npt.ArrayLike, n: float, level: float = ONE_SIGMA
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """:func:`clopper_pearson` for an array of passing counts ``k`` out of the same ``n``."""
    from scipy.stats import beta

    k = np.clip(np.asarray(k, dtype=np.float64), 0.0, n)
    tail = (1 - level) / 2
    with np.errstate(invalid="ignore"):
        low = np.where(k == 0, 0.0, beta.ppf(tail, np.maximum(k, 1e-300), n - k + 1))
        high = np.where(k == n, 1.0, beta.ppf(1 - tail, k + 1, np.maximum(n - k, 1e-300)))
    return low, high


def effective_count(weights: npt.ArrayLike) -> float:
    """Kish's effective number of entries (Σw)² / Σw² (the count itself when unweighted)."""
    w = np.asarray(weights, dtype=np.float64)
    return float(w.sum() ** 2 / np.square(w).sum())


def working_point(roc: Roc, signal_efficiency: float, n: float) -> dict[str, Any]:
    """1/ε_B at ``signal_efficiency`` with its statistical interval and the background count
    behind it (``n``: the test background's :func:`effective_count`)."""
    value = rejection(roc, signal_efficiency)
    efficiency = 0.0 if math.isinf(value) else 1.0 / value
    passing = efficiency * n
    low, high = clopper_pearson(passing, n)
    return {
        "background_passing": passing,
        "interval": [1.0 / high, math.inf if low == 0 else 1.0 / low],
        "is_bound": passing < MIN_PASSING,
    }


def auc_standard_error(
    scores: npt.ArrayLike, labels: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> float:
    """Standard error of the AUC: DeLong's for unweighted samples; for weighted ones the
    Hanley–McNeil formula with effective signal and background counts."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    if weights is not None and not np.all(np.asarray(weights) == np.asarray(weights).flat[0]):
        w = np.asarray(weights, dtype=np.float64)
        n1, n0 = effective_count(w[y]), effective_count(w[~y])
        from jetxai.evaluate.roc import auc

        a = auc(s, y, w)
        q1, q0 = a / (2 - a), 2 * a * a / (1 + a)
        variance = (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q0 - a * a)) / (n1 * n0)
        return float(math.sqrt(max(variance, 0.0)))
    signal, background = s[y], s[~y]
    m, n = len(signal), len(background)
    # structural components: V10(x_i) = P(x_i > background), V01(y_j) = P(signal > y_j)
    ranks_all = _midranks(np.r_[signal, background])
    v10 = (ranks_all[:m] - _midranks(signal)) / n
    v01 = 1.0 - (ranks_all[m:] - _midranks(background)) / m
    variance = v10.var(ddof=1) / m + v01.var(ddof=1) / n
    return float(math.sqrt(variance))


def _midranks(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """1-based ranks of ``x``, ties sharing the mean of their ranks."""
    order = np.argsort(x, kind="mergesort")
    ordered = x[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.r_[first[1:], len(x)]
    mean_rank = (first + last + 1) / 2.0
    ranks = np.empty(len(x))
    ranks[order] = mean_rank[group]
    return ranks
