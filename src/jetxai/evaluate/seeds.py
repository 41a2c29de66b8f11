"""Combining a seed ensemble: the one definition of "mean ± std over seeds" every table,
figure and JSON file uses (the XAUG paper's measure of the numerical uncertainty of training).

The std is the sample standard deviation (ddof = 1), and 0 for a single seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt


def mean_std(values: npt.ArrayLike) -> tuple[Any, Any]:
    """Mean and standard deviation over seeds (axis 0) of ``values`` (one row per seed)."""
    array = np.asarray(values, dtype=np.float64)
    std = array.std(axis=0, ddof=1) if len(array) > 1 else np.zeros(array.shape[1:])
    return array.mean(axis=0), std


def summary(values: Sequence[float]) -> dict[str, Any]:
    """``{"mean", "std", "values"}`` of one scalar over seeds."""
    mean, std = mean_std(values)
    return {"mean": float(mean), "std": float(std), "values": [float(v) for v in values]}


def plus_minus(metric: dict[str, Any], decimals: int) -> str:
    """``"mean ± std"`` of a :func:`summary`, both to ``decimals`` decimal places (the text of
    tables and command-line summaries)."""
    return f"{metric['mean']:.{decimals}f} ± {metric['std']:.{decimals}f}"


def statistics_text(metric: dict[str, Any], counted: str = "pass") -> str:
    """``"+hi −lo (stat); k1–k2 pass"`` of an aggregated working-point metric (the statistical
    interval of one seed's measurement and the background jets passing, lowest–highest over
    seeds, followed by ``counted``); empty for metrics that carry no statistics."""
    if "passing" not in metric:
        return ""
    below, above = metric["stat"]
    high = "∞" if above is None else f"{above:.2g}"
    passing = metric["passing"]
    return f"+{high} −{below:.2g} (stat); {min(passing):.0f}–{max(passing):.0f} {counted}"
