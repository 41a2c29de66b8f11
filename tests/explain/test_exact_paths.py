"""Exact Integrated Gradients on piecewise-linear networks (``n_steps="exact"``).

References: completeness (Σφ = f(x) − f̄(x′)) to float64 round-off, and a 10⁵-interval
trapezoid rule on the float64 network. That rule's error comes only from the intervals holding
a kink, each at most h/2 · |jump of ∂f/∂x_i · (x_i − x′_i)| with h = 10⁻⁵, so the two must agree
to a few 10⁻⁶ for these O(1) networks (tolerance 5e-6 absolute).
"""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.explain import AveragedBaseline, integrated_gradients
from jetxai.explain.exact_paths import why_not_piecewise_linear
from jetxai.explain.integrated_gradients import IGConvergenceWarning
from jetxai.models.part import ParticleTransformer
from jetxai.models.taggers import EFN, PFN

REFERENCE_STEPS = 100_000
REFERENCE_ATOL = 5e-6


def _reference(model: nn.Module, inputs: tuple[torch.Tensor, ...], **kwargs: object) -> tuple:
    """The 10⁵-interval trapezoid rule on a float64 copy of ``model``."""
    import copy

    result = integrated_gradients(
        copy.deepcopy(model).double(), tuple(x.double() for x in inputs),
        n_steps=REFERENCE_STEPS + 1, method="riemann_trapezoid", batch_size=200_000, **kwargs,
    )  # fmt: skip
    return result if isinstance(result, tuple) else (result,)


def _relu_net(seed: int) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1)
    ).eval()


@pytest.mark.parametrize("seed", [0, 1])
def test_a_relu_net_is_integrated_to_round_off(seed: int) -> None:
    """The issue's case: a random 8-32-32-1 ReLU net, zero baseline. Adaptive steps leave the
    completeness delta at percent level on some examples; exact steps leave round-off."""
    net = _relu_net(seed)
    x = torch.randn(40, 8)
    phi, delta, pieces = integrated_gradients(
        net, x, n_steps="exact", return_convergence_delta=True, return_steps=True
    )
    with torch.no_grad():
        change = (net(x) - net(torch.zeros(1, 8))).squeeze(1).double()
    assert float((delta.abs() / change.abs()).max()) < 1e-10
    assert torch.all(pieces >= 1)
    assert int(pieces.max()) > 3  # the paths do cross kinks
    (reference,) = _reference(net, (x[:8],))
    torch.testing.assert_close(phi[:8].double(), reference, rtol=0, atol=REFERENCE_ATOL)


def test_max_pooling_and_an_averaged_baseline() -> None:
    """A small CNN (conv, ReLU, 2×2 max pooling) against a weighted set of baseline images."""
    torch.manual_seed(4)
    net = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(48, 1)
    ).eval()
    x = torch.randn(2, 1, 8, 8)
    background = AveragedBaseline(torch.randn(2, 1, 8, 8), torch.tensor([0.7, 0.3]))
    phi, delta = integrated_gradients(
        net, x, baselines=background, n_steps="exact", return_convergence_delta=True
    )
    assert float(delta.abs().max()) < 1e-10
    (reference,) = _reference(net, (x,), baselines=background)
    torch.testing.assert_close(phi.double(), reference, rtol=0, atol=REFERENCE_ATOL)


def test_a_pfn_tagger_with_xaugs_and_masks() -> None:
    """jetxai's PFN (per-constituent ReLU network, masked sum, XAUG head): both inputs, padded
    constituents never attributed, the baseline's jets differing in length from the explained."""
    torch.manual_seed(5)
    model = PFN(n_features=3, n_xaug=2, phi=(12, 12), hidden=(12,)).eval()
    constituents, xaug = torch.randn(3, 6, 3), torch.randn(3, 2)
    mask = torch.arange(6).expand(3, 6) < torch.tensor([[6], [4], [2]])
    constituents = constituents * mask.unsqueeze(-1)
    background = AveragedBaseline((torch.randn(2, 6, 3), torch.randn(2, 2)))
    kwargs = {"baselines": background, "additional_forward_args": (mask,)}
    (phi_c, phi_x), delta = integrated_gradients(
        model, (constituents, xaug), n_steps="exact", return_convergence_delta=True, **kwargs
    )
    assert float(delta.abs().max()) < 1e-10
    assert torch.all(phi_c[~mask] == 0)
    ref_c, ref_x = _reference(model, (constituents, xaug), **kwargs)
    torch.testing.assert_close(phi_c.double(), ref_c, rtol=0, atol=REFERENCE_ATOL)
    torch.testing.assert_close(phi_x.double(), ref_x, rtol=0, atol=REFERENCE_ATOL)
    # held inputs walk the same pieces: the constituents alone, the XAUGs at the explained jet
    held = integrated_gradients(model, (constituents, xaug), n_steps="exact", hold=(1,), **kwargs)
    alone, _ = _reference(model, (constituents, xaug), hold=(1,), **kwargs)
    torch.testing.assert_close(held[0].double(), alone, rtol=0, atol=REFERENCE_ATOL)
    assert torch.all(held[1] == 0)


def test_networks_that_are_not_piecewise_linear_are_refused_by_name() -> None:
    x = torch.randn(2, 4)
    smooth = nn.Sequential(nn.Linear(4, 4), nn.GELU(), nn.Linear(4, 1)).eval()
    with pytest.raises(InputError, match=r"1 \(GELU\) is not known to be piecewise linear"):
        integrated_gradients(smooth, x, n_steps="exact")
    training = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.1), nn.Linear(4, 1))
    with pytest.raises(InputError, match=r"Dropout\) is in training mode"):
        integrated_gradients(training, x, n_steps="exact")
    reasons = {
        EFN: "energy weighting multiplies",
        ParticleTransformer: "softmax attention",
    }
    for tagger, reason in reasons.items():
        model = tagger.__new__(tagger)  # the class's declaration decides, before any layer
        nn.Module.__init__(model)
        assert reason in str(why_not_piecewise_linear(model))
    assert why_not_piecewise_linear(PFN(3).eval()) is None
    with pytest.raises(InputError, match="no tolerance"):
        integrated_gradients(_relu_net(0), torch.randn(2, 8), n_steps="exact", tolerance=0.01)


def test_a_kink_no_layer_declares_is_caught_by_the_completeness_check() -> None:
    """A module that claims to be piecewise linear but bends (|x|) where no ReLU says so: the
    pieces miss the bend and the completeness check warns."""

    class Folded(nn.Module):
        piecewise_linear = True

        def __init__(self) -> None:
            super().__init__()
            self.inner, self.outer = nn.Linear(3, 5), nn.Linear(5, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.outer(self.inner(x).abs())

    torch.manual_seed(6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        integrated_gradients(Folded().eval(), torch.randn(20, 3) * 3, n_steps="exact")
    assert any(issubclass(w.category, IGConvergenceWarning) for w in caught)
