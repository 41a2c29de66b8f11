"""Every LRP rule against its matrix-form reference, on dense and convolutional layers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.explain.lrp import AlphaBeta, Composite, Epsilon, Flat, Gamma, WSquare, ZBox, ZPlus, lrp

from . import _reference as ref

RTOL = 1e-9

# (rule for both layers, first-layer rule or None, reference for layer 2, reference for layer 1)
Ref = Callable[..., np.ndarray]
CASES: dict[str, tuple[object, object, Ref, Ref]] = {
    "epsilon": (
        Epsilon(0.01),
        None,
        lambda *a: ref.epsilon(*a, 0.01),
        lambda *a: ref.epsilon(*a, 0.01),
    ),
    "gamma": (
        Gamma(0.25, 1e-6),
        None,
        lambda *a: ref.gamma(*a, 0.25, 1e-6),
        lambda *a: ref.gamma(*a, 0.25, 1e-6),
    ),
    "zplus": (
        ZPlus(1e-9),
        None,
        lambda *a: ref.alpha_beta(*a, 1, 0, 1e-9),
        lambda *a: ref.alpha_beta(*a, 1, 0, 1e-9),
    ),
    "alpha2_beta1": (
        AlphaBeta(2, 1, 1e-9),
        None,
        lambda *a: ref.alpha_beta(*a, 2, 1, 1e-9),
        lambda *a: ref.alpha_beta(*a, 2, 1, 1e-9),
    ),
    "flat": (Epsilon(0.01), Flat(), lambda *a: ref.epsilon(*a, 0.01), ref.flat),
    "w_square": (Epsilon(0.01), WSquare(), lambda *a: ref.epsilon(*a, 0.01), ref.w_square),
    "z_box": (
        Epsilon(0.01),
        ZBox(-2.0, 2.0, 1e-9),
        lambda *a: ref.epsilon(*a, 0.01),
        lambda *a: ref.z_box(*a, -2.0, 2.0, 1e-9),
    ),
}


@pytest.fixture(autouse=True)
def float64():  # type: ignore[no-untyped-def]
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def _dense_reference(net: nn.Sequential, x: torch.Tensor, layer2: Ref, layer1: Ref) -> np.ndarray:
    first, second = net[0], net[2]
    W1, b1 = first.weight.detach().numpy(), first.bias.detach().numpy()
    W2, b2 = second.weight.detach().numpy(), second.bias.detach().numpy()
    a0 = x.numpy()
    a1 = np.maximum(a0 @ W1.T + b1, 0)
    out = a1 @ W2.T + b2
    r1 = layer2(a1, W2, b2, out)
    return layer1(a0, W1, b1, r1)


@pytest.mark.parametrize("name", CASES)
def test_dense_rules_match_the_matrix_form(name: str) -> None:
    rule, first, layer2, layer1 = CASES[name]
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 1), nn.Flatten(0)).eval()
    x = torch.randn(8, 6)
    composite = Composite({nn.Linear: rule}, first_layer=first)  # type: ignore[dict-item, arg-type]
    relevance = lrp(net, x, composite=composite)
    np.testing.assert_allclose(
        relevance.numpy(), _dense_reference(net, x, layer2, layer1), rtol=RTOL, atol=1e-12
    )


def test_a_rule_for_one_named_module_overrides_its_type() -> None:
    # the composite maps nn.Linear to ε = 0.01 and the module named "2" (the output layer) to
    # γ: the reference applies γ there and ε on the first layer
    torch.manual_seed(3)
    net = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 1), nn.Flatten(0)).eval()
    x = torch.randn(8, 6)
    composite = Composite({nn.Linear: Epsilon(0.01)}, module_rules={"2": Gamma(0.25, 1e-6)})
    expected = _dense_reference(
        net, x, lambda *a: ref.gamma(*a, 0.25, 1e-6), lambda *a: ref.epsilon(*a, 0.01)
    )
    relevance = lrp(net, x, composite=composite)
    np.testing.assert_allclose(relevance.numpy(), expected, rtol=RTOL, atol=1e-12)


def _conv_matrix(conv: nn.Conv2d, shape: tuple[int, ...]) -> np.ndarray:
    """The convolution as a dense (out, in) matrix, column k = conv(e_k) without bias."""
    size = int(np.prod(shape))
    basis = torch.eye(size).reshape(size, *shape)
    with torch.no_grad():
        columns = conv._conv_forward(basis, conv.weight, None).reshape(size, -1)
    return columns.T.numpy()


@pytest.mark.parametrize("name", ["epsilon", "gamma", "alpha2_beta1", "z_box", "w_square"])
def test_conv_rules_match_the_matrix_form(name: str) -> None:
    rule, first, layer2, layer1 = CASES[name]
    torch.manual_seed(2)
    conv = nn.Conv2d(2, 3, 3, padding=1)
    net = nn.Sequential(
        conv, nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 1), nn.Flatten(0)
    ).eval()
    x = torch.randn(5, 2, 4, 4)
    composite = Composite({nn.Linear: rule, nn.Conv2d: rule}, first_layer=first)  # type: ignore[dict-item, arg-type]
    relevance = lrp(net, x, composite=composite)
    M = _conv_matrix(conv, (2, 4, 4))
    b = conv.bias.detach().numpy().repeat(16)
    a0 = x.reshape(5, -1).numpy()
    a1 = np.maximum(a0 @ M.T + b, 0)
    W2, b2 = net[3].weight.detach().numpy(), net[3].bias.detach().numpy()
    r1 = layer2(a1, W2, b2, a1 @ W2.T + b2)
    expected = layer1(a0, M, b, r1)
    np.testing.assert_allclose(relevance.reshape(5, -1).numpy(), expected, rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize(("alpha", "beta"), [(-1.0, -2.0), (0.5, -0.5), (float("nan"), 0.0)])
def test_alpha_beta_refuses_negative_or_nan_parameters(alpha: float, beta: float) -> None:
    with pytest.raises(InputError, match="non-negative"):
        AlphaBeta(alpha, beta)
