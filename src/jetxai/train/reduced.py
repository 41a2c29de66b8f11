"""Reduced feature sets: retrain on the top-k variables of an ordering, for k = 1 … all.

The XAUG paper's use of a relevance ranking: if the first few LRP-ranked variables recover most
of the full model's performance, they are what the tagger needs. The same curve for a random
and a single-variable-AUC ordering shows whether the LRP ranking is better than those baselines.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from jetxai.evaluate.roc import auc
from jetxai.train.config import TrainConfig
from jetxai.train.ensemble import train


def auc_ordering(values: dict[str, npt.NDArray[np.float64]], target: npt.ArrayLike) -> list[str]:
    """Variables ordered by single-variable discrimination max(AUC, 1 − AUC)."""
    y = np.asarray(target)
    strength = {n: max(a, 1 - a) for n, v in values.items() for a in [auc(v, y)]}
    return sorted(values, key=lambda n: -strength[n])


def random_ordering(names: Sequence[str], seed: int = 0) -> list[str]:
    """A seeded random permutation of ``names``."""
    return [names[i] for i in np.random.default_rng(seed).permutation(len(names))]


def reduced_feature_curve(
    config: TrainConfig,
    datasets: Sequence[str | os.PathLike[str]],
    order: Sequence[str],
    ks: Sequence[int],
    out: str | os.PathLike[str],
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Train ``config`` (its XAUG list replaced) on ``order[:k]`` for each k; metrics per k."""
    curve = []
    for k in ks:
        chosen = list(order[:k])
        run = dataclasses.replace(config, xaug=chosen)
        metrics = train(run, datasets, k_directory(out, k), progress=progress)
        curve.append(
            {
                "k": k,
                "xaug": chosen,
                "auc": metrics["auc"],
                "rejection_0.5": metrics["rejection_0.5"],
            }
        )
    return curve


def k_directory(out: str | os.PathLike[str], k: int) -> Path:
    """Where :func:`reduced_feature_curve` trains the network on the first ``k`` variables."""
    return Path(out) / f"k{k:02d}"


def smallest_k(curve: Sequence[dict[str, Any]], reference: float, fraction: float) -> int | None:
    """Smallest k whose mean 1/ε_B(0.5) reaches ``fraction`` of ``reference`` (None if none)."""
    for point in curve:
        if point["rejection_0.5"]["mean"] >= fraction * reference:
            return int(point["k"])
    return None
