"""Multi-class metrics against independent references: softmax against scipy's, one-vs-rest
AUCs against the Mann–Whitney U statistic, accuracies and rejections against counts made by
hand on samples built so the working point falls exactly on a jet."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax as scipy_softmax
from scipy.stats import mannwhitneyu

from jetxai.errors import InputError
from jetxai.evaluate.multiclass import multiclass_metrics, softmax

CLASSES = ["qcd", "top", "w", "top_lep"]


def _sample(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.default_rng(seed)
    labels = generator.integers(0, len(CLASSES), n)
    logits = generator.normal(0.0, 1.0, (n, len(CLASSES)))
    logits[np.arange(n), labels] += 1.2  # informative, not perfect
    return logits, labels


def test_softmax_is_scipys_and_does_not_overflow() -> None:
    logits, _ = _sample()
    np.testing.assert_allclose(softmax(logits), scipy_softmax(logits, axis=1), rtol=1e-12)
    assert np.isfinite(softmax(np.array([[1000.0, 0.0], [-1000.0, 1000.0]]))).all()


def test_one_vs_rest_aucs_are_the_mann_whitney_statistic() -> None:
    logits, labels = _sample()
    result = multiclass_metrics(logits, labels, CLASSES)
    probabilities = scipy_softmax(logits, axis=1)
    expected = []
    for k, name in enumerate(CLASSES):
        mine, rest = probabilities[labels == k, k], probabilities[labels != k, k]
        u = mannwhitneyu(mine, rest).statistic
        expected.append(u / (len(mine) * len(rest)))
        assert result["per_class"][name]["auc"] == pytest.approx(expected[-1], abs=1e-12)
    assert result["auc"] == pytest.approx(np.mean(expected), abs=1e-12)


def test_accuracy_and_its_error_are_the_counted_share() -> None:
    logits = np.array([[2.0, 0.0, 0.0, 0.0], [0.0, 1.0, 3.0, 0.0], [0.0, 0.0, 0.0, 5.0]] * 4)
    labels = np.array([0, 1, 3] * 4)  # right, wrong, right
    logits, labels = np.vstack([logits, np.eye(4)[2]]), np.r_[labels, 2]  # one W, right
    result = multiclass_metrics(logits, labels, CLASSES)
    assert result["accuracy"] == pytest.approx(9 / 13)
    assert result["accuracy_stat"] == pytest.approx(np.sqrt((9 / 13) * (4 / 13) / 13))
    # weights count jets: the wrongly classified ones weighted 3× bring the share to 9 / 21
    weighted = multiclass_metrics(logits, labels, CLASSES, weights=np.r_[[1.0, 3.0, 1.0] * 4, 1])
    assert weighted["accuracy"] == pytest.approx(9 / 21)


def _rejection_sample(
    n_signal: int, n_background: int, passing: int, signal: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Class ``signal`` jets with logit differences z_X − z_QCD = 1 … n_signal and QCD jets of
    which exactly ``passing`` are above the signal's median: the 50 % working point falls on a
    jet, so ε_B = passing / n_background exactly. A few W jets beside them must not matter."""
    rows, labels = [], []
    for value in range(1, n_signal + 1):
        rows.append((0.0, float(value)))
        labels.append(signal)
    cut = n_signal / 2 + 1  # the lowest of the signal's upper half
    for i in range(n_background):
        rows.append((0.0, cut + 0.5 + i if i < passing else cut - 0.5 - i * 1e-3))
        labels.append(0)
    logits = np.zeros((len(rows) + 6, len(CLASSES)))
    for j, (qcd, diff) in enumerate(rows):
        logits[j, 0], logits[j, signal] = qcd, diff
    logits[len(rows) :, 2] = 9.0  # W jets: their own class
    logits[len(rows) :, 1] = np.linspace(-50, 50, 6)  # any X score, they are not in X vs QCD
    labels += [2] * 6
    return logits, np.array(labels)


@pytest.mark.parametrize(
    ("n_background", "passing", "bound"), [(100, 4, True), (1000, 20, False), (50, 10, False)]
)
def test_rejection_at_half_the_signal_is_the_counted_background(
    n_background: int, passing: int, bound: bool
) -> None:
    logits, labels = _rejection_sample(10, n_background, passing)
    # one top_lep jet, so every class has test jets (its own rejection is not looked at here)
    logits, labels = np.vstack([logits, np.eye(len(CLASSES))[3] * 4]), np.r_[labels, 3]
    top = multiclass_metrics(logits, labels, CLASSES)["per_class"]["top"]
    assert top["signal_efficiency"] == 0.5
    assert top["rejection"] == pytest.approx(n_background / passing, rel=1e-12)
    assert top["passing"] == pytest.approx(passing)
    assert top["is_lower_bound"] is bound
    low, high = top["interval"]
    assert low < top["rejection"] < high


def test_leptonic_top_is_measured_at_99_percent_and_qcd_has_no_rejection() -> None:
    logits, labels = _sample(2000, 1)
    result = multiclass_metrics(logits, labels, CLASSES)
    assert result["per_class"]["top_lep"]["signal_efficiency"] == 0.99
    assert result["per_class"]["w"]["signal_efficiency"] == 0.5
    assert "rejection" not in result["per_class"]["qcd"]
    # the discriminant uses X and QCD only: 1/ε_B at 99 % counted by hand
    mine = logits[labels == 3, 3] - logits[labels == 3, 0]
    qcd = logits[labels == 0, 3] - logits[labels == 0, 0]
    threshold = np.sort(mine)[::-1][int(np.ceil(0.99 * len(mine))) - 1]
    counted = len(qcd) / np.sum(qcd >= threshold)
    # the ROC interpolates between neighbouring jets: within one QCD jet's step of the count
    step = counted / np.sum(qcd >= threshold)
    assert result["per_class"]["top_lep"]["rejection"] == pytest.approx(counted, abs=step)


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        (lambda z, y: (z[:, :3], y), "logits must be"),
        (lambda z, y: (z, np.where(y == 2, 7, y)), "labels must be"),
        (lambda z, y: (z, np.where(y == 2, 1, y)), "no test jets of class"),
        (lambda z, y: (np.where(z > 2, np.nan, z), y), "NaN"),
    ],
    ids=["shape", "label range", "missing class", "nan"],
)
def test_bad_inputs_are_refused_by_name(change, phrase: str) -> None:  # type: ignore[no-untyped-def]
    logits, labels = change(*_sample())
    with pytest.raises(InputError, match=phrase):
        multiclass_metrics(logits, labels, CLASSES)


def test_an_unknown_background_class_is_refused() -> None:
    logits, labels = _sample()
    with pytest.raises(InputError, match="background class 'gluon'"):
        multiclass_metrics(logits, labels, CLASSES, background="gluon")


def test_a_class_of_one_test_jet_has_an_auc_but_no_error() -> None:
    logits, labels = _sample()
    labels = np.where(labels == 3, 2, labels)
    labels[0] = 3  # the only top_lep jet
    result = multiclass_metrics(logits, labels, CLASSES)
    assert result["per_class"]["top_lep"]["auc_stat"] is None
    assert result["auc_stat"] is None
    assert result["per_class"]["top"]["auc_stat"] > 0
