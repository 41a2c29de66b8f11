"""Scores of attribution rankings against a truth order (reference: scipy's Kendall τ)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau

from jetxai.evaluate.truth import best, score, top_k_agreement


def test_tau_and_top_k_agree_with_scipy_per_seed() -> None:
    names = ["a", "b", "c", "d", "e"]
    truth = ["c", "a", "e", "b", "d"]
    generator = np.random.default_rng(1)
    scales = [np.array([5.0, 4.0, 3.0, 2.0, 1.0]), np.array([1.0, 2.0, 5.0, 3.0, 4.0])]
    per_seed = [generator.normal(size=(4000, 5)) * s for s in scales]
    result = score(per_seed, names, truth)
    for k, r in enumerate(per_seed):
        means = np.abs(r).mean(axis=0)
        order = [names[i] for i in np.argsort(-means)]
        # τ between the method's rank of each variable and the truth's
        expected = kendalltau([order.index(n) for n in names], [truth.index(n) for n in names])
        assert result["kendall_tau"]["values"][k] == pytest.approx(expected.statistic)
        assert result["top_3"]["values"][k] == len(set(order[:3]) & set(truth[:3])) / 3
    taus = result["kendall_tau"]
    assert taus["mean"] == pytest.approx(np.mean(taus["values"]))
    assert taus["std"] == pytest.approx(np.std(taus["values"], ddof=1))
    low, high = taus["interval"]
    assert low <= high
    assert top_k_agreement(truth, truth) == 1.0


def test_the_best_method_and_those_the_data_cannot_tell_from_it() -> None:
    def scored(mean: float, std: float, low: float, high: float) -> dict:
        return {"kendall_tau": {"mean": mean, "std": std, "interval": [low, high]}}

    scores = {
        "LRP": scored(0.8, 0.0, 0.7, 0.9),
        "IG zero": scored(0.7, 0.1, 0.65, 0.78),  # reaches 0.8 only with the seed spread
        "IG mean": scored(0.2, 0.0, 0.1, 0.3),
    }
    assert best(scores) == ["LRP", "IG zero"]
