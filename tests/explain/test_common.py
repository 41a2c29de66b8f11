"""Targets, the same for every method: int, 0-d tensor and per-example targets against Captum and
against each other; ``None`` fixed at the input on multi-logit models; bad targets refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.explain import AveragedBaseline, attribute

N, D, C = 5, 4, 3


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(D, 6), nn.ReLU(), nn.Linear(6, C)).double().eval()


def _x() -> torch.Tensor:
    return torch.randn(N, D, generator=torch.Generator().manual_seed(1), dtype=torch.float64)


#: method name → options that make it deterministic
METHODS: dict[str, dict[str, Any]] = {
    "saliency": {},
    "gradient_x_input": {},
    "lrp": {},
    "ig": {"baselines": torch.full((1, D), 0.3, dtype=torch.float64), "n_steps": 16},
    "smoothgrad": {"n_samples": 4},
    "expected_gradients": {"n_samples": 4},
}


def _run(method: str, target: Any) -> torch.Tensor:
    options = dict(METHODS[method])
    if method in ("smoothgrad", "expected_gradients"):
        options["generator"] = torch.Generator().manual_seed(5)
    if method == "expected_gradients":
        options["baselines"] = AveragedBaseline(torch.randn(7, D, dtype=torch.float64))
    result: torch.Tensor = attribute(_model(), _x(), method=method, target=target, **options)
    return result


@pytest.mark.parametrize("method", list(METHODS))
def test_int_0d_and_per_example_targets_agree(method: str) -> None:
    by_int = _run(method, 2)
    torch.testing.assert_close(_run(method, torch.tensor(2)), by_int, rtol=0, atol=0)
    torch.testing.assert_close(_run(method, [2] * N), by_int, rtol=0, atol=1e-12)
    per_example = torch.tensor([0, 2, 1, 2, 0])
    expected = torch.stack([_run(method, int(k))[i] for i, k in enumerate(per_example)])
    torch.testing.assert_close(_run(method, per_example), expected, rtol=0, atol=1e-12)


def _captum(name: str) -> Callable[..., torch.Tensor]:
    from captum import attr

    model = _model()
    x = _x().requires_grad_(True)
    if name == "ig":
        ig = attr.IntegratedGradients(model)
        return lambda target: ig.attribute(
            _x(),
            baselines=METHODS["ig"]["baselines"],
            target=target,
            n_steps=16,
            method="gausslegendre",
        )
    kind = {"saliency": attr.Saliency, "gradient_x_input": attr.InputXGradient, "lrp": attr.LRP}
    explainer = kind[name](model)
    if name == "saliency":
        return lambda target: explainer.attribute(x, target=target, abs=False)
    return lambda target: explainer.attribute(x, target=target)


@pytest.mark.parametrize("method", ["saliency", "gradient_x_input", "ig", "lrp"])
@pytest.mark.parametrize("target", [1, torch.tensor(1), torch.tensor([0, 2, 1, 2, 0])])
def test_targets_equal_captum(method: str, target: Any) -> None:
    expected = _captum(method)(target).detach()
    if method == "lrp":  # Captum's LRP: ε = 1e-9 on every Linear
        got = attribute(_model(), _x(), method="lrp", target=target, epsilon=1e-9)
    else:
        got = _run(method, target)
    # Captum takes its Gauss–Legendre nodes in float32 (relative 1e-7), jetxai in float64
    tolerance = 1e-6 if method == "ig" else 1e-9
    torch.testing.assert_close(got, expected, rtol=tolerance, atol=1e-12)


def test_ig_convergence_delta_with_a_0d_target() -> None:
    def delta(target: Any) -> torch.Tensor:
        _, result = attribute(
            _model(),
            _x(),
            method="ig",
            target=target,
            n_steps=64,
            baselines=torch.zeros(1, D, dtype=torch.float64),
            return_convergence_delta=True,
        )
        return result

    torch.testing.assert_close(delta(torch.tensor(2)), delta(2), rtol=0, atol=0)
    assert delta(2).shape == (N,)


class _Switch(nn.Module):
    """Two logits: class 1 wins at x = 1 (1 > 0.8), class 0 on the first half of the path."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.sum(dim=1)
        return torch.stack([0.5 * s + 0.3, s**2], dim=1)


@pytest.mark.parametrize("method", ["ig", "smoothgrad", "expected_gradients"])
def test_none_explains_the_class_predicted_at_the_input(method: str) -> None:
    x = torch.ones(2, 1, dtype=torch.float64)
    options: dict[str, Any] = {}
    if method == "ig":
        options = {"baselines": torch.zeros(1, 1, dtype=torch.float64), "n_steps": 32}
    if method == "smoothgrad":
        options = {"n_samples": 8, "stdevs": 0.3, "generator": torch.Generator().manual_seed(2)}
    if method == "expected_gradients":
        options = {
            "baselines": AveragedBaseline(torch.zeros(1, 1, dtype=torch.float64)),
            "n_samples": 8,
            "generator": torch.Generator().manual_seed(2),
        }
    generator = options.get("generator")
    none = attribute(_Switch(), x, method=method, target=None, **options)
    if generator is not None:
        options["generator"] = torch.Generator().manual_seed(2)
    fixed = attribute(_Switch(), x, method=method, target=1, **options)
    torch.testing.assert_close(none, fixed, rtol=0, atol=0)
    if method == "ig":  # f₁(1) − f₁(0) = 1 exactly (the class switched mid-path gave 0.755)
        torch.testing.assert_close(none, torch.ones(2, 1, dtype=torch.float64))


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (1.0, "got float"),
        (True, "got a bool"),
        (torch.tensor([1.0] * N), "integer classes"),
        (torch.tensor([[1]] * N), r"shape \(5, 1\) does not fit 5 examples"),
        (torch.tensor([1, 2]), r"shape \(2,\) does not fit 5 examples"),
        ([1, 2.5, 0, 0, 0], "one int per example"),
        (3, "out of range for 3 outputs"),
        (torch.tensor([0, 1, 2, 3, 0]), r"must lie in \[0, 3\)"),
    ],
)
@pytest.mark.parametrize("method", list(METHODS))
def test_bad_targets_are_refused_by_name(method: str, target: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        _run(method, target)


@pytest.mark.parametrize("method", list(METHODS))
def test_an_empty_batch_gives_empty_attributions(method: str) -> None:
    options = dict(METHODS[method])
    if method == "expected_gradients":
        options["baselines"] = AveragedBaseline(torch.randn(7, D, dtype=torch.float64))
    empty = torch.zeros(0, D, dtype=torch.float64)
    result = attribute(_model(), empty, method=method, target=1, **options)
    assert result.shape == (0, D)


def test_non_finite_attributions_are_named_not_returned_silently() -> None:
    from jetxai.explain import NonFiniteAttributionWarning, integrated_gradients, lrp

    class Ratio(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(3, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (x / x).sum(dim=1) + self.linear(x).squeeze(1)

    x = torch.tensor([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]])
    named = r"input 0 \(3,\) are not finite.*with the zero baseline"
    with pytest.warns(NonFiniteAttributionWarning, match=named):
        integrated_gradients(Ratio(), x, n_steps=4)
    with pytest.warns(NonFiniteAttributionWarning, match=r"input 0 \(3,\) are not finite"):
        lrp(Ratio().eval(), x, check_conservation=False)
