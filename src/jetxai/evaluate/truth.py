"""Scores of attribution rankings against the retraining truth
(:func:`jetxai.train.retraining.drop_one_truth`).

For one method (an LRP composite, an IG baseline, Shapley values) and its per-jet XAUG
relevances on every seed's test jets: the Kendall τ of its ranking (mean |relevance| per
variable) with the truth order and the agreement of their top k (|top-k ∩ top-k| / k), per seed;
the mean and the seed spread over the seeds, and a bootstrap interval over jets (the jets of each
seed resampled :data:`BOOTSTRAP` times, τ of each resample, the central 68 %, averaged over the
seeds).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from jetxai.evaluate.relevance import INTERVAL, kendall_tau

#: Bootstrap resamples of the jets for the interval of τ.
BOOTSTRAP = 200
#: The top-k agreement's k.
TOP_K = 3


def _order(abs_relevance: npt.NDArray[np.float64], names: Sequence[str]) -> list[str]:
    means = abs_relevance.mean(axis=0)
    return [names[k] for k in np.argsort(-means, kind="stable")]


def top_k_agreement(order: Sequence[str], truth: Sequence[str], k: int = TOP_K) -> float:
    """|first k of ``order`` ∩ first k of ``truth``| / k."""
    k = min(k, len(truth))
    return len(set(order[:k]) & set(truth[:k])) / k


def score(
    per_seed: Sequence[npt.ArrayLike], names: Sequence[str], truth: Sequence[str], seed: int = 0
) -> dict[str, Any]:
    """Kendall τ and top-k agreement with ``truth`` of the rankings of ``per_seed`` (jets,
    variables) relevances, named ``names``: per seed, mean, seed spread and the interval of τ
    over jets."""
    generator = np.random.default_rng(seed)
    taus, tops, intervals = [], [], []
    for relevance in per_seed:
        r = np.abs(np.asarray(relevance, dtype=np.float64))
        order = _order(r, names)
        taus.append(kendall_tau(order, truth))
        tops.append(top_k_agreement(order, truth))
        resampled = [
            kendall_tau(_order(r[generator.integers(0, len(r), len(r))], names), truth)
            for _ in range(BOOTSTRAP)
        ]
        tail = (1.0 - INTERVAL) / 2 * 100
        intervals.append(np.percentile(resampled, [tail, 100 - tail]))
    spread = float(np.std(taus, ddof=1)) if len(taus) > 1 else 0.0
    return {
        "kendall_tau": {"mean": float(np.mean(taus)), "std": spread, "values": taus,
                        "interval": np.mean(intervals, axis=0).tolist()},
        f"top_{TOP_K}": {"mean": float(np.mean(tops)), "values": tops},
    }  # fmt: skip


def best(scores: dict[str, dict[str, Any]]) -> list[str]:
    """The methods whose mean τ is highest, with every method whose τ interval (jets and seed
    spread in quadrature) reaches that best mean: those the data cannot tell apart."""
    top = max(s["kendall_tau"]["mean"] for s in scores.values())
    tied = []
    for name, s in scores.items():
        tau = s["kendall_tau"]
        high = tau["mean"] + np.hypot(tau["interval"][1] - tau["mean"], tau["std"])
        if high >= top:
            tied.append(name)
    return sorted(tied, key=lambda n: -scores[n]["kendall_tau"]["mean"])
