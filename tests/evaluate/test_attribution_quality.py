"""Attribution-quality metrics on models where the right answer is known."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.evaluate.attribution_quality import (
    deletion_curve,
    ground_truth_agreement,
    infidelity,
    insertion_curve,
    max_sensitivity,
    randomisation_check,
    rank_correlation,
    synthetic_task,
)
from jetxai.explain import gradient_x_input, integrated_gradients


def _linear(w: list[float]) -> nn.Module:
    layer = nn.Linear(len(w), 1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([w]))
    return nn.Sequential(layer, nn.Flatten(0)).eval()


def test_deletion_and_insertion_prefer_good_attributions() -> None:
    model = _linear([3.0, 1.0, 0.0, 0.0])
    x = torch.ones(8, 4)
    background = torch.zeros(4)
    good = integrated_gradients(model, x)  # = w * x: exact for a linear model
    bad = -good
    deleted = deletion_curve(
        model, x, good, background, steps=4, generator=torch.Generator().manual_seed(0)
    )
    wrong = deletion_curve(model, x, bad, background, steps=4)
    assert deleted["mean_output"][0] == pytest.approx(4.0)
    assert deleted["mean_output"][-1] == pytest.approx(0.0)
    assert deleted["mean_output"][1] == pytest.approx(1.0)  # the weight-3 feature went first
    assert deleted["auc"] < deleted["random_auc"] < wrong["auc"]
    inserted = insertion_curve(model, x, good, background, steps=4)
    assert inserted["mean_output"][1] == pytest.approx(3.0)
    assert inserted["auc"] > inserted["random_auc"]


def test_infidelity_is_zero_for_exact_linear_attributions() -> None:
    model = _linear([1.0, -2.0, 0.5]).double()
    x = torch.randn(5, 3, dtype=torch.float64)
    exact = gradient_x_input(model, x) / x  # the gradient: I . grad = f(x) - f(x - I) exactly
    assert np.allclose(
        infidelity(model, x, exact, generator=torch.Generator().manual_seed(1)), 0.0, atol=1e-10
    )
    # a zero attribution misses all of f(x) - f(x - I) = w.I: E[(w.I)^2] = scale^2 |w|^2 = 0.0525
    zero = infidelity(
        model, x, torch.zeros_like(x), n_samples=4000, generator=torch.Generator().manual_seed(2)
    )
    assert zero.mean() == pytest.approx(0.01 * 5.25, rel=0.1)


def test_sensitivity_and_randomisation() -> None:
    torch.manual_seed(0)
    model = _linear([1.0, -2.0, 0.5])
    x = torch.randn(6, 3)

    def gxi(m: nn.Module, v: torch.Tensor) -> torch.Tensor:
        return gradient_x_input(m, v)

    sensitivity = max_sensitivity(
        gxi, model, x, radius=0.01, generator=torch.Generator().manual_seed(0)
    )
    assert np.all(sensitivity < 0.1)
    # twelve features, so a rank correlation near 1 cannot happen by chance
    deep = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 1), nn.Flatten(0)).eval()
    inputs = torch.randn(20, 12)
    steps = randomisation_check(gxi, deep, inputs, seed=1)
    assert [s["layers_randomised"] for s in steps] == [1, 2]
    assert steps[-1]["rank_correlation"] < 0.8  # attributions of a re-initialised net differ


def test_rank_correlation_by_hand() -> None:
    np.testing.assert_allclose(rank_correlation([[1, 2, 3]], [[10, 20, 30]]), [1.0])
    np.testing.assert_allclose(rank_correlation([[1, 2, 3]], [[3, 2, 1]]), [-1.0])


@pytest.mark.parametrize("kind", ["shift", "deviation"])
def test_synthetic_tasks_and_agreement(kind: str) -> None:
    x, y, relevant = synthetic_task(kind, 2000, n_features=6, informative=2, seed=3)
    signal, background = x[y == 1], x[y == 0]
    if kind == "shift":
        assert (signal[:, :2].mean(0) - background[:, :2].mean(0)).min() > 0.8
    else:
        assert (signal[:, :2].std(0) / background[:, :2].std(0)).min() > 2.0
        assert (signal[:, :2].mean(0) - background[:, :2].mean(0)).abs().max() < 0.2
    perfect = np.tile(relevant.astype(float), (5, 1))
    assert ground_truth_agreement(perfect, relevant)["precision_at_k"] == 1.0
    assert ground_truth_agreement(1 - perfect, relevant)["precision_at_k"] == 0.0


def test_max_sensitivity_of_a_zero_attribution_is_the_absolute_change() -> None:
    # Captum's sensitivity_max divides by 1 where ‖φ(x)‖ = 0 (it was 1e12 here)
    model = nn.Linear(3, 1)
    x = torch.zeros(2, 3)

    def attribute(_model: nn.Module, points: torch.Tensor) -> torch.Tensor:
        return points.clone()  # φ(x) = x: zero at x = 0, |δ| after a move

    values = max_sensitivity(
        attribute, model, x, radius=0.1, generator=torch.Generator().manual_seed(0)
    )
    assert (values > 0).all()
    assert (values <= 0.1 * np.sqrt(3) + 1e-12).all()


def test_deletion_breaks_ties_by_feature_index_and_scores_probabilities() -> None:
    model = nn.Sequential(nn.Linear(4, 1), nn.Flatten(0))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 2.0, 3.0, 4.0]]))
        model[0].bias.zero_()
    x = torch.ones(1, 4)
    tied = torch.ones(1, 4)  # every feature equally attributed: removed in index order 0, 1, 2, 3
    curve = deletion_curve(model, x, tied, torch.zeros(1, 4), steps=4)
    np.testing.assert_allclose(curve["mean_output"], [10.0, 9.0, 7.0, 4.0, 0.0])
    probability = deletion_curve(model, x, tied, torch.zeros(1, 4), steps=4, score="probability")
    np.testing.assert_allclose(
        probability["mean_output"],
        torch.sigmoid(torch.tensor([10.0, 9.0, 7.0, 4.0, 0.0])).numpy(),
        rtol=1e-6,
    )
    with pytest.raises(InputError, match="unknown score 'rank'"):
        deletion_curve(model, x, tied, torch.zeros(1, 4), score="rank")
