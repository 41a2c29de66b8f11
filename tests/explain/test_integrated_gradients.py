"""Integrated Gradients against analytic models, Captum, and its own invariances."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.explain import AveragedBaseline, integrated_gradients
from jetxai.explain.integrated_gradients import (
    ABSOLUTE_FLOOR,
    AUTO_FIRST,
    IGConvergenceWarning,
)
from jetxai.explain.quadrature import QUADRATURES


class Linear(nn.Module):
    def __init__(self, w: torch.Tensor, b: float = 0.3) -> None:
        super().__init__()
        self.w, self.b = w, b

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w + self.b


class Product(nn.Module):
    """f(x) = x0 * x1 + sum(x^2): IG from a baseline is a low-order polynomial integral."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, 0] * x[:, 1] + (x**2).sum(dim=1)


@pytest.fixture(autouse=True)
def float64():  # type: ignore[no-untyped-def]
    """This module works in float64 throughout."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.mark.parametrize("method", list(QUADRATURES))
def test_linear_model_any_baseline_is_w_times_difference(method: str) -> None:
    g = torch.Generator().manual_seed(0)
    w = torch.randn(5, generator=g)
    x, baseline = torch.randn(4, 5, generator=g), torch.randn(4, 5, generator=g)
    phi = integrated_gradients(Linear(w), x, baselines=baseline, n_steps=3, method=method)
    torch.testing.assert_close(phi, w * (x - baseline), rtol=1e-12, atol=1e-12)


def test_averaged_baseline_on_a_linear_model() -> None:
    g = torch.Generator().manual_seed(1)
    w = torch.randn(3, generator=g)
    x, samples = torch.randn(6, 3, generator=g), torch.randn(4, 3, generator=g)
    weights = torch.tensor([1.0, 2.0, 3.0, 4.0])
    phi, delta = integrated_gradients(
        Linear(w),
        x,
        baselines=AveragedBaseline(samples, weights),
        n_steps=2,
        return_convergence_delta=True,
    )
    expected = w * (x - (weights / weights.sum()) @ samples)
    torch.testing.assert_close(phi, expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(delta, torch.zeros(6), rtol=0, atol=1e-12)


def test_hand_computed_polynomial() -> None:
    # from baseline b: phi_0 = (x0-b0) * int d/dx0 = (x0-b0) [ (b1 + (x1-b1)/2) + (x0 + b0) ] ...
    # written out: d f/d x0 along the path = x1(a) + 2 x0(a), x(a) = b + a (x - b)
    x = torch.tensor([[1.0, 2.0, -1.0]])
    b = torch.tensor([[0.5, -1.0, 0.0]])
    d = x - b
    mean = (x + b) / 2  # the path average of x(a), exact for linear integrands
    expected = torch.stack(
        [
            d[0, 0] * (mean[0, 1] + 2 * mean[0, 0]),
            d[0, 1] * (mean[0, 0] + 2 * mean[0, 1]),
            d[0, 2] * 2 * mean[0, 2],
        ]
    ).unsqueeze(0)
    phi, delta = integrated_gradients(
        Product(), x, baselines=b, n_steps=2, return_convergence_delta=True
    )
    torch.testing.assert_close(phi, expected, rtol=1e-12, atol=1e-12)
    assert abs(float(delta)) < 1e-12


def _mlp(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 1), nn.Flatten(0)
    ).eval()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_captum_on_random_models(seed: int) -> None:
    captum = pytest.importorskip("captum.attr")
    model = _mlp(seed)
    x = torch.randn(10, 6)
    baseline = torch.randn(1, 6).expand(10, 6)
    ours = integrated_gradients(
        model, x, baselines=baseline[:1], n_steps=32, method="gausslegendre"
    )
    reference = captum.IntegratedGradients(model).attribute(
        x, baselines=baseline, n_steps=32, method="gausslegendre"
    )
    # Captum multiplies by its quadrature weights cast to float32, so agreement is at the level
    # of float32 rounding of those weights (~1e-8 relative), not float64
    torch.testing.assert_close(ours, reference, rtol=1e-6, atol=1e-9)


def test_multi_input_with_masks_and_chunk_independence() -> None:
    torch.manual_seed(3)

    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(3, 4), nn.Linear(2, 4)

        def forward(self, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            pooled = (torch.tanh(self.a(x)) * mask.unsqueeze(-1)).sum(dim=1)
            return (pooled * torch.sigmoid(self.b(y))).sum(dim=1)

    model = Two().eval()
    x, y = torch.randn(5, 7, 3), torch.randn(5, 2)
    mask = torch.rand(5, 7) > 0.3
    x = x * mask.unsqueeze(-1)
    background = AveragedBaseline((torch.randn(3, 7, 3), torch.randn(3, 2)))
    kwargs = {
        "baselines": background,
        "additional_forward_args": (mask,),
        "n_steps": 20,
        "return_convergence_delta": True,
    }
    (phi_x, phi_y), delta = integrated_gradients(model, (x, y), batch_size=7, **kwargs)
    (again_x, again_y), _ = integrated_gradients(model, (x, y), batch_size=10_000, **kwargs)
    torch.testing.assert_close(phi_x, again_x, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(phi_y, again_y, rtol=1e-12, atol=1e-12)
    assert phi_x.shape == x.shape
    assert phi_y.shape == y.shape
    assert torch.all(phi_x[~mask] == 0)  # masked constituents are never attributed
    assert float(delta.abs().max()) < 1e-4


def test_adaptive_steps_are_exact_where_the_trapezoid_rule_is() -> None:
    # f quadratic → the integrand is linear in α → the first trapezoid level is exact
    x, b = torch.randn(5, 3), torch.randn(5, 3)
    phi, delta, steps = integrated_gradients(
        Product(), x, baselines=b, n_steps="auto", return_convergence_delta=True, return_steps=True
    )
    exact = integrated_gradients(Product(), x, baselines=b, n_steps=8)  # Gauss–Legendre, exact
    torch.testing.assert_close(phi, exact, rtol=1e-12, atol=1e-12)
    assert steps.tolist() == [AUTO_FIRST] * 5
    assert float(delta.abs().max()) < 1e-12


def test_adaptive_steps_equal_the_fixed_trapezoid_rule_each_example_ended_with() -> None:
    model = _mlp(3)
    x, background = torch.randn(40, 6) * 3, torch.randn(5, 6)
    weights = torch.rand(5, dtype=torch.float64)
    averaged = AveragedBaseline(background, weights)
    phi, delta, steps = integrated_gradients(
        model,
        x,
        baselines=averaged,
        n_steps="auto",
        tolerance=1e-2,
        max_steps=4096,
        return_convergence_delta=True,
        return_steps=True,
        batch_size=7,
    )
    assert len(set(steps.tolist())) > 1  # examples stop at different refinements
    difference = phi.sum(dim=1) - delta  # f(x) − Σ_k w_k f(x′_k)
    assert bool((delta.abs() <= 1e-2 * difference.abs() + ABSOLUTE_FLOOR).all())
    for intervals in sorted(set(steps.tolist())):  # a non-nested, independent evaluation
        rows = steps == intervals
        fixed, fixed_delta = integrated_gradients(
            model,
            x[rows],
            baselines=averaged,
            n_steps=intervals + 1,
            method="riemann_trapezoid",
            return_convergence_delta=True,
        )
        torch.testing.assert_close(phi[rows], fixed, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(delta[rows], fixed_delta, rtol=1e-8, atol=1e-12)


def test_adaptive_steps_warn_when_max_steps_is_too_few() -> None:
    model = _mlp(4)
    x = torch.randn(6, 6) * 3
    with pytest.warns(IGConvergenceWarning, match=r"of 6 examples kept \|delta\| above 1e-09"):
        _, steps = integrated_gradients(
            model, x, n_steps=2, tolerance=1e-9, max_steps=8, return_steps=True
        )
    assert int(steps.max()) == 8
    with pytest.raises(InputError, match="nested riemann_trapezoid rule"):
        integrated_gradients(model, x, n_steps="auto", method="gausslegendre")
    with pytest.raises(InputError, match="positive integer, 'auto' or 'exact'"):
        integrated_gradients(model, x, n_steps="many")
    with pytest.raises(InputError, match="tolerance must be positive"):
        integrated_gradients(model, x, tolerance=0.0)
    _, steps = integrated_gradients(model, x, n_steps=12, return_steps=True)
    assert steps.tolist() == [12] * 6


def test_named_baseline_and_errors() -> None:
    model = Linear(torch.ones(3))
    x = torch.randn(4, 3)
    background = torch.randn(50, 3)
    phi = integrated_gradients(
        model, x, baselines="mean", baseline_options={"background": background}
    )
    torch.testing.assert_close(phi, x - background.mean(0))
    with pytest.raises(InputError, match="does not fit"):
        integrated_gradients(model, x, baselines=torch.zeros(2, 2))
    with pytest.raises(InputError, match="unknown baseline"):
        integrated_gradients(model, x, baselines="blank")
    with pytest.raises(InputError, match="unknown quadrature"):
        integrated_gradients(model, x, method="simpson")
    np.testing.assert_array_equal(integrated_gradients(model, x, baselines=x).numpy(), 0.0)


def test_held_inputs_keep_every_input_numbered_as_given() -> None:
    import warnings as _warnings

    from jetxai.explain import NonFiniteAttributionWarning

    class Three(torch.nn.Module):
        def forward(self, a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
            return a.sum(1) + (b**2).sum(1) + c.sqrt().sum(1)  # sqrt: infinite slope at 0

    a, b = torch.rand(3, 2, dtype=torch.float64), torch.rand(3, 2, dtype=torch.float64)
    c = torch.tensor([[0.0, 1.0]] * 3, dtype=torch.float64)
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        held, attributed, root = integrated_gradients(Three(), (a, b, c), n_steps=4, hold=(0,))
    messages = [str(w.message) for w in caught if w.category is NonFiniteAttributionWarning]
    assert len(messages) == 1
    assert messages[0].startswith("attributions of input 2 (2,)")  # c, not the inner input 1
    assert "hold=(0, 2,)" in messages[0]
    assert torch.equal(held, torch.zeros_like(a))
    # b alone on the straight path from 0: b² attributed exactly (Gauss–Legendre, 4 points)
    torch.testing.assert_close(attributed, b**2, rtol=1e-12, atol=1e-12)
    assert not torch.isfinite(root).all()
