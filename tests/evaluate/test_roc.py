"""ROC, AUC and rejection against hand-computable classifiers."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.errors import InputError
from jetxai.evaluate import auc, rejection, roc_curve
from jetxai.evaluate.roc import signal_efficiency


def test_perfect_inverted_and_constant_classifiers() -> None:
    labels = np.array([0, 0, 1, 1])
    assert auc([0.1, 0.2, 0.8, 0.9], labels) == 1.0
    assert auc([0.9, 0.8, 0.2, 0.1], labels) == 0.0
    assert auc([0.5, 0.5, 0.5, 0.5], labels) == 0.5  # one big tie


def test_auc_is_the_mann_whitney_statistic_with_ties() -> None:
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 5, 200).astype(float)  # many ties
    labels = rng.integers(0, 2, 200)
    sig, bkg = scores[labels == 1], scores[labels == 0]
    greater = (sig[:, None] > bkg[None, :]).mean()
    equal = (sig[:, None] == bkg[None, :]).mean()
    assert auc(scores, labels) == pytest.approx(greater + 0.5 * equal, abs=1e-12)


def test_weights_act_like_repeated_events() -> None:
    scores = np.array([0.1, 0.4, 0.35, 0.8])
    labels = np.array([0, 0, 1, 1])
    weights = np.array([1.0, 3.0, 2.0, 1.0])
    repeated = np.repeat(np.arange(4), weights.astype(int))
    assert auc(scores, labels, weights) == pytest.approx(auc(scores[repeated], labels[repeated]))


def test_roc_points_and_rejection_by_hand() -> None:
    # thresholds 0.9, 0.8, 0.7, 0.6: signal at 0.9 and 0.7; background at 0.8 and 0.6
    roc = roc_curve([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])
    np.testing.assert_allclose(roc.signal_efficiency, [0, 0.5, 0.5, 1, 1])
    np.testing.assert_allclose(roc.background_efficiency, [0, 0, 0.5, 0.5, 1])
    # eps_S = 0.5 is first reached with eps_B = 0: infinite rejection
    assert rejection(roc, 0.5) == np.inf
    # eps_S = 0.75 lies halfway between (0.5, 0.5) and (1, 0.5): eps_B = 0.5
    assert rejection(roc, 0.75) == pytest.approx(2.0)
    # eps_B = 0.25 lies on the segment (0, 0.5) -> (0.5, 0.5): eps_S = 0.5; at eps_B = 0.5 the
    # curve has already climbed to eps_S = 1; eps_B = 0.75 stays there
    assert signal_efficiency(roc, 0.25) == pytest.approx(0.5)
    assert signal_efficiency(roc, 0.5) == pytest.approx(1.0)
    assert signal_efficiency(roc, 0.75) == pytest.approx(1.0)


def test_signal_efficiency_interpolates_between_roc_points() -> None:
    # a signal and a background event tie at score 1: points (0, 0), (0, 0.5), (1, 1)
    roc = roc_curve([2.0, 1.0, 1.0], [1, 1, 0])
    np.testing.assert_allclose(roc.background_efficiency, [0, 0, 1])
    # eps_B = 0.25 is a quarter of the way along the sloped segment: 0.5 + 0.25 * 0.5
    assert signal_efficiency(roc, 0.25) == pytest.approx(0.625)
    assert signal_efficiency(roc, 1.0) == pytest.approx(1.0)


def test_random_classifier_rejection_is_inverse_efficiency() -> None:
    rng = np.random.default_rng(3)
    scores = rng.random(200_000)
    labels = rng.integers(0, 2, 200_000)
    roc = roc_curve(scores, labels)
    assert rejection(roc, 0.3) == pytest.approx(1 / 0.3, rel=0.02)
    assert rejection(roc, 0.5) == pytest.approx(2.0, rel=0.02)
    assert signal_efficiency(roc, 0.01) == pytest.approx(0.01, abs=0.002)


@pytest.mark.parametrize(
    ("scores", "labels", "message"),
    [
        ([0.1, 0.2], [1, 1], "both signal and background"),
        ([0.1, 0.2], [0, 2], "labels must be 0"),
        ([0.1, np.nan], [0, 1], "NaN"),
        ([0.1], [0, 1], "differ in length"),
    ],
)
def test_bad_input(scores, labels, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        auc(scores, labels)


def test_metrics_report_a_lower_bound_when_no_background_passes() -> None:
    from jetxai.evaluate import aggregate, tagging_metrics

    # perfectly separated: at any working point no background passes; 4 background jets
    metrics = tagging_metrics([3.0, 2.0, -1.0, -2.0, -3.0, -4.0], [1, 1, 0, 0, 0, 0])
    assert metrics["auc"] == 1.0
    assert metrics["rejection_0.5"] == 4.0
    assert metrics["rejection_0.5_is_lower_bound"] is True
    assert metrics["accuracy"] == 1.0
    total = aggregate([metrics, {**metrics, "auc": 0.5}])
    assert total["auc"]["mean"] == 0.75
    assert total["auc"]["std"] == pytest.approx(np.std([1.0, 0.5], ddof=1))
    assert total["rejection_0.5"]["std"] == 0.0
