"""Exact Shapley values of a flat input: equal to the ``shap`` package's exact explainer on the
same model and background (uniform weights), and to the permutation definition by hand with
weighted background jets; efficient (Σφ = f(x) − E_b f(b)); other inputs held at the jet."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from jetxai.errors import InputError
from jetxai.explain import AveragedBaseline, attribute, shapley
from jetxai.explain.shapley import coalitions, shapley_weights


def _net(d: int, outputs: int = 1) -> torch.nn.Module:
    torch.manual_seed(3)
    layers = [torch.nn.Linear(d, 16), torch.nn.Tanh(), torch.nn.Linear(16, outputs)]
    net = torch.nn.Sequential(*layers).double().eval()
    return net if outputs > 1 else torch.nn.Sequential(net, torch.nn.Flatten(0))


def _by_permutations(f, x: np.ndarray, background: np.ndarray, weights: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """φ_j = mean over the d! orders of f's expected gain when j joins those before it."""
    d = len(x)

    def value(members: set[int]) -> float:
        z = background.copy()
        z[:, sorted(members)] = x[sorted(members)]
        return float(np.sum(weights * f(z)))

    phi = np.zeros(d)
    for order in itertools.permutations(range(d)):
        before: set[int] = set()
        for j in order:
            phi[j] += value(before | {j}) - value(before)
            before.add(j)
    return phi / math.factorial(d)


def test_the_values_equal_the_permutation_definition_with_weighted_background() -> None:
    d = 4
    net = _net(d)
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(3, d, generator=generator, dtype=torch.float64)
    background = torch.randn(5, d, generator=generator, dtype=torch.float64)
    weights = torch.tensor([1.0, 2.0, 0.5, 0.0, 3.0], dtype=torch.float64)
    phi, delta = shapley(net, x, baselines=AveragedBaseline(background, weights),
                         return_convergence_delta=True, batch_size=7)  # fmt: skip
    w = (weights / weights.sum()).numpy()

    def f(z: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return net(torch.from_numpy(z)).numpy()

    for i in range(len(x)):
        expected = _by_permutations(f, x[i].numpy(), background.numpy(), w)
        np.testing.assert_allclose(phi[i].numpy(), expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(delta, torch.zeros(3, dtype=torch.float64), rtol=0, atol=1e-12)
    with torch.no_grad():  # efficiency: Σφ = f(x) − E_b f(b)
        gap = net(x) - (torch.from_numpy(w) * net(background)).sum()
    torch.testing.assert_close(phi.sum(dim=1), gap, rtol=1e-12, atol=1e-12)


def test_the_values_equal_shaps_exact_explainer() -> None:
    shap = pytest.importorskip("shap")
    d, k = 6, 12
    net = _net(d, outputs=3)
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(4, d, generator=generator, dtype=torch.float64)
    background = torch.randn(k, d, generator=generator, dtype=torch.float64)
    ours = attribute(net, x, method="shapley", target=2, baselines=AveragedBaseline(background))

    def f(z: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return net(torch.from_numpy(np.asarray(z, dtype=np.float64)))[:, 2].numpy()

    masker = shap.maskers.Independent(background.numpy(), max_samples=k)
    reference = shap.explainers.Exact(f, masker)(x.numpy()).values
    np.testing.assert_allclose(ours.numpy(), reference, rtol=1e-6, atol=1e-9)


def test_other_inputs_are_held_at_the_jet_and_get_nothing() -> None:
    class Two(torch.nn.Module):
        def forward(self, a: torch.Tensor, b: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return (a.sum(dim=(1, 2)) * mask.sum(dim=1)) * b[:, 0] + b[:, 1] ** 2

    generator = torch.Generator().manual_seed(3)
    a = torch.randn(2, 5, 3, generator=generator, dtype=torch.float64)
    b = torch.randn(2, 2, generator=generator, dtype=torch.float64)
    mask = torch.ones(2, 5, dtype=torch.float64)
    background = (torch.zeros(1, 5, 3, dtype=torch.float64), torch.zeros(1, 2, dtype=torch.float64))
    phi_a, phi_b = shapley(Two(), (a, b), baselines=AveragedBaseline(background),
                           additional_forward_args=(mask,), explained=1)  # fmt: skip
    assert torch.equal(phi_a, torch.zeros_like(a))
    # with a zero background a linear term gets its own value, a square its own square
    expected = torch.stack([a.sum(dim=(1, 2)) * 5 * b[:, 0], b[:, 1] ** 2], dim=1)
    torch.testing.assert_close(phi_b, expected, rtol=1e-12, atol=1e-12)


def test_the_weights_and_coalitions_are_the_shapley_kernel() -> None:
    masks = coalitions(3)
    assert masks.shape == (8, 3)
    assert masks[5].tolist() == [True, False, True]
    weights = shapley_weights(3)
    # each column: the weights of its members sum to 1, of the others to −1
    torch.testing.assert_close(weights.clamp(min=0).sum(dim=0), torch.ones(3, dtype=torch.float64))
    torch.testing.assert_close(weights.clamp(max=0).sum(dim=0), -torch.ones(3, dtype=torch.float64))


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"baselines": None}, "needs background jets"),
        ({"explained": 3}, "not one of 1 inputs"),
    ],
)
def test_bad_calls_are_refused_by_name(kwargs: dict, phrase: str) -> None:
    x = torch.zeros(2, 3, dtype=torch.float64)
    options = {"baselines": AveragedBaseline(torch.zeros(1, 3, dtype=torch.float64))} | kwargs
    with pytest.raises(InputError, match=phrase):
        shapley(_net(3), x, **options)
    with pytest.raises(InputError, match="at most 16"):
        shapley(_net(17), torch.zeros(1, 17, dtype=torch.float64),
                baselines=AveragedBaseline(torch.zeros(1, 17, dtype=torch.float64)))  # fmt: skip
