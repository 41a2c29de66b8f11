"""Uncertainties from the test counts, against independent references."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jetxai.evaluate.roc import auc, roc_curve
from jetxai.evaluate.statistics import (
    MIN_PASSING,
    ONE_SIGMA,
    auc_standard_error,
    clopper_pearson,
    effective_count,
    working_point,
)


def _tail_at_least(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1))


@pytest.mark.parametrize(("k", "n"), [(0, 20), (3, 20), (10, 40), (39, 40), (40, 40), (7, 988)])
def test_clopper_pearson_solves_the_exact_binomial_tails(k: int, n: int) -> None:
    # the bounds are where the observed count becomes a (1 - level) / 2 tail: checked with
    # binomial sums written out, to 1e-9
    low, high = clopper_pearson(k, n)
    tail = (1 - ONE_SIGMA) / 2
    if k > 0:
        assert _tail_at_least(k, n, low) == pytest.approx(tail, abs=1e-9)
    else:
        assert low == 0.0
    if k < n:
        assert 1 - _tail_at_least(k + 1, n, high) == pytest.approx(tail, abs=1e-9)
    else:
        assert high == 1.0
    assert low <= k / n <= high


def test_effective_count_is_kish() -> None:
    assert effective_count(np.ones(50)) == 50.0
    assert effective_count([1.0, 1.0, 2.0]) == pytest.approx(16 / 6, rel=1e-15)


def test_a_working_point_with_few_background_jets_is_a_bound() -> None:
    rng = np.random.default_rng(3)
    signal, background = rng.normal(2.0, 1.0, 4000), rng.normal(0.0, 1.0, 988)
    scores = np.r_[signal, background]
    labels = np.r_[np.ones(4000), np.zeros(988)]
    roc = roc_curve(scores, labels)
    tight = working_point(roc, 0.05, 988.0)
    loose = working_point(roc, 0.9, 988.0)
    # the passing count is ε_B × n, and the interval brackets 1/ε_B
    threshold = np.quantile(signal, 0.95)
    assert tight["background_passing"] == pytest.approx((background >= threshold).sum(), abs=1.5)
    assert tight["is_bound"] == (tight["background_passing"] < MIN_PASSING)
    assert not loose["is_bound"]
    low, high = loose["interval"]
    assert low < 1.0 / (loose["background_passing"] / 988) < high


def test_delong_standard_error_against_the_pairwise_definition() -> None:
    # V10, V01 from the O(m n) pairwise comparisons, the textbook DeLong formula
    rng = np.random.default_rng(5)
    signal = np.round(rng.normal(1.0, 1.0, 60), 1)  # rounded: ties included
    background = np.round(rng.normal(0.0, 1.0, 80), 1)
    psi = (signal[:, None] > background[None, :]) + 0.5 * (signal[:, None] == background[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    expected = math.sqrt(v10.var(ddof=1) / 60 + v01.var(ddof=1) / 80)
    scores, labels = np.r_[signal, background], np.r_[np.ones(60), np.zeros(80)]
    assert auc(scores, labels) == pytest.approx(psi.mean(), rel=1e-12)
    assert auc_standard_error(scores, labels) == pytest.approx(expected, rel=1e-12)


def test_weighted_auc_error_uses_effective_counts() -> None:
    rng = np.random.default_rng(6)
    scores = np.r_[rng.normal(1.0, 1.0, 300), rng.normal(0.0, 1.0, 300)]
    labels = np.r_[np.ones(300), np.zeros(300)]
    equal = auc_standard_error(scores, labels, np.full(600, 3.0))
    assert equal == pytest.approx(auc_standard_error(scores, labels), rel=1e-12)
    uneven = np.r_[np.ones(300), rng.uniform(0.1, 10.0, 300)]
    # fewer effective background events: a larger error
    assert auc_standard_error(scores, labels, uneven) > 0.9 * equal


def test_the_band_equals_scipys_exact_interval_at_every_count() -> None:
    from scipy.stats import binomtest

    from jetxai.evaluate.statistics import clopper_pearson_band

    n = 40
    low, high = clopper_pearson_band(np.arange(n + 1), n)
    for k in range(n + 1):
        expected = binomtest(k, n).proportion_ci(confidence_level=0.6826894921370859)
        assert low[k] == pytest.approx(expected.low, abs=1e-12)
        assert high[k] == pytest.approx(expected.high, abs=1e-12)
