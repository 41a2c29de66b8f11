"""Reference methods on models whose attributions are known in closed form."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.explain import METHODS, AveragedBaseline, attribute


class Quadratic(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x**2).sum(dim=1)


def test_saliency_and_gradient_x_input() -> None:
    x = torch.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=torch.float64)
    torch.testing.assert_close(attribute(Quadratic(), x, method="saliency"), 2 * x)
    torch.testing.assert_close(attribute(Quadratic(), x, method="gradient_x_input"), 2 * x**2)


def test_smoothgrad_is_seeded_and_unbiased_for_a_quadratic() -> None:
    x = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    first = attribute(
        Quadratic(),
        x,
        method="smoothgrad",
        n_samples=400,
        stdevs=0.5,
        generator=torch.Generator().manual_seed(0),
    )
    again = attribute(
        Quadratic(),
        x,
        method="smoothgrad",
        n_samples=400,
        stdevs=0.5,
        generator=torch.Generator().manual_seed(0),
    )
    assert torch.equal(first, again)
    torch.testing.assert_close(first, 2 * x, rtol=0, atol=0.15)  # E[2(x + noise)] = 2x


def test_expected_gradients_on_a_linear_model() -> None:
    torch.manual_seed(0)
    w = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    model = nn.Sequential()
    model.forward = lambda x: x @ w  # type: ignore[method-assign]
    x = torch.randn(3, 3, dtype=torch.float64)
    samples = torch.randn(5, 3, dtype=torch.float64)
    background = AveragedBaseline(samples)
    phi = attribute(
        model,
        x,
        method="expected_gradients",
        baselines=background,
        n_samples=4000,
        generator=torch.Generator().manual_seed(2),
    )
    torch.testing.assert_close(phi, w * (x - samples.mean(0)), rtol=0, atol=0.1)
    with pytest.raises(InputError, match="AveragedBaseline"):
        attribute(model, x, method="expected_gradients")


def test_registry() -> None:
    assert set(METHODS) == {
        "ig",
        "lrp",
        "saliency",
        "gradient_x_input",
        "smoothgrad",
        "expected_gradients",
        "shapley",
    }
    with pytest.raises(InputError, match="unknown method"):
        attribute(Quadratic(), torch.zeros(1, 2), method="shap")
