"""Per-seed tagging metrics carry their statistics; the aggregate combines them with the seeds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jetxai.evaluate.metrics import aggregate, tagging_metrics
from jetxai.evaluate.statistics import clopper_pearson


def _seed(shift: float, n_background: int = 988) -> dict:  # type: ignore[type-arg]
    rng = np.random.default_rng(int(10 * shift))
    scores = np.r_[rng.normal(shift, 1.0, 1000), rng.normal(0.0, 1.0, n_background)]
    labels = np.r_[np.ones(1000), np.zeros(n_background)]
    return tagging_metrics(scores, labels)


def test_each_rejection_carries_its_count_interval_and_bound_flag() -> None:
    metrics = _seed(1.5)
    for point in ("0.3", "0.5"):
        passing = metrics[f"rejection_{point}_passing"]
        assert passing == pytest.approx(988 / metrics[f"rejection_{point}"], rel=1e-9)
        low, high = clopper_pearson(passing, 988)
        interval = metrics[f"rejection_{point}_interval"]
        assert interval == pytest.approx([1 / high, 1 / low], rel=1e-12)
        assert metrics[f"rejection_{point}_is_lower_bound"] == (passing < 10)
    assert 0 < metrics["auc_stat"] < 0.02
    json.dumps(metrics, allow_nan=False)  # valid JSON: no inf, no NaN


def test_a_rejection_resting_on_three_jets_is_a_bound_not_a_measurement() -> None:
    metrics = _seed(4.0)  # well separated: a handful of the 988 background jets pass at 0.3
    assert metrics["rejection_0.3_passing"] < 10
    assert metrics["rejection_0.3_is_lower_bound"] is True


def test_the_aggregate_keeps_seed_spread_and_statistics_apart() -> None:
    seeds = [_seed(2.0), _seed(2.2)]
    total = aggregate(seeds)
    entry = total["rejection_0.5"]
    below, _ = entry["stat"]
    assert below == pytest.approx(
        np.mean([s["rejection_0.5"] - s["rejection_0.5_interval"][0] for s in seeds]), rel=1e-12
    )
    assert entry["total"][0] == pytest.approx(np.hypot(entry["std"], below), rel=1e-12)
    assert entry["passing"] == [s["rejection_0.5_passing"] for s in seeds]
    assert total["auc"]["stat"] == pytest.approx(np.mean([s["auc_stat"] for s in seeds]))
    json.dumps(total, allow_nan=False)


def test_no_background_passing_has_no_upper_end() -> None:
    metrics = tagging_metrics([3.0, 2.0, -1.0, -2.0, -3.0, -4.0], [1, 1, 0, 0, 0, 0])
    assert metrics["rejection_0.5_passing"] == 0.0
    assert metrics["rejection_0.5_interval"][1] is None
    assert aggregate([metrics, metrics])["rejection_0.5"]["stat"][1] is None


def test_the_signal_efficiency_and_balanced_accuracy_carry_their_statistics() -> None:
    from scipy.stats import beta

    rng = np.random.default_rng(3)
    n_signal, n_background = 400, 700
    # a miscalibrated tagger on a background-heavy test split: every logit shifted by +3, so the
    # share on the right side of 0 is poor although the ranking is good
    scores = np.r_[rng.normal(2.0, 1.0, n_signal), rng.normal(0.0, 1.0, n_background)] + 3.0
    labels = np.r_[np.ones(n_signal), np.zeros(n_background)]
    metrics = tagging_metrics(scores, labels)
    assert metrics["accuracy"] < 0.5
    # the reference: every threshold between sorted scores, counted by hand
    thresholds = np.r_[np.sort(scores), np.inf]
    eff_s = np.array([(scores[labels == 1] >= t).mean() for t in thresholds])
    eff_b = np.array([(scores[labels == 0] >= t).mean() for t in thresholds])
    best = np.argmax(eff_s - eff_b)
    assert metrics["balanced_accuracy"] == pytest.approx(0.5 * (1 + eff_s[best] - eff_b[best]))
    expected = 0.5 * np.sqrt(
        eff_s[best] * (1 - eff_s[best]) / n_signal + eff_b[best] * (1 - eff_b[best]) / n_background
    )
    assert metrics["balanced_accuracy_stat"] == pytest.approx(expected, rel=1e-6)
    assert metrics["balanced_accuracy"] > 0.8  # calibration and balance do not enter
    # ε_S at ε_B = 1 %: the exact binomial interval of its signal count (scipy's beta quantiles)
    k = metrics["efficiency_0.01"] * n_signal
    tail = (1 - 0.6826894921370859) / 2
    low, high = beta.ppf(tail, k, n_signal - k + 1), beta.ppf(1 - tail, k + 1, n_signal - k)
    assert metrics["efficiency_0.01_interval"] == pytest.approx([low, high], rel=1e-9)
    assert metrics["efficiency_0.01_passing"] == pytest.approx(7.0)
    assert metrics["efficiency_0.01_is_imprecise"]  # 7 background jets place the working point
    summed = aggregate([metrics, metrics])
    assert summed["efficiency_0.01"]["stat"] == pytest.approx(
        [metrics["efficiency_0.01"] - low, high - metrics["efficiency_0.01"]], rel=1e-9
    )
    assert summed["efficiency_0.01"]["is_imprecise"]
    assert summed["balanced_accuracy"]["stat"] == pytest.approx(expected, rel=1e-6)
