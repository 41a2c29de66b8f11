"""Baseline builders: zero, weighted mean / median, averaged, uniform."""

from __future__ import annotations

import pytest
import torch

from jetxai.errors import InputError
from jetxai.explain import AveragedBaseline, baselines


def test_zero_mean_median_with_weights() -> None:
    background = torch.tensor([[0.0, 10.0], [1.0, 20.0], [4.0, 30.0]])
    x = torch.zeros(2, 2)
    (zero,) = baselines.build("zero", x)
    assert torch.equal(zero, torch.zeros(1, 2))
    (mean,) = baselines.build("mean", x, background=background, weights=[1.0, 1.0, 2.0])
    torch.testing.assert_close(mean, torch.tensor([[2.25, 22.5]]))
    (median,) = baselines.build("median", x, background=background, weights=[1.0, 1.0, 5.0])
    torch.testing.assert_close(median, torch.tensor([[4.0, 30.0]]))  # the heavy event dominates


def test_averaged_draws_k_events_with_their_weights() -> None:
    background = (torch.arange(10.0).reshape(10, 1), torch.arange(20.0).reshape(10, 2))
    weights = torch.arange(1.0, 11.0)
    built = baselines.build(
        "averaged",
        background,
        background=background,
        weights=weights,
        k=4,
        generator=torch.Generator().manual_seed(0),
    )
    assert isinstance(built, AveragedBaseline)
    first, second = built.as_tuple()
    assert first.shape == (4, 1)
    assert second.shape == (4, 2)
    chosen = first[:, 0].long()
    torch.testing.assert_close(built.weights, weights[chosen].double() / weights[chosen].sum())
    again = baselines.build(
        "averaged",
        background,
        background=background,
        k=4,
        generator=torch.Generator().manual_seed(0),
    )
    assert torch.equal(again.as_tuple()[0], first)  # seeded draws repeat
    everything = baselines.build("averaged", background, background=background, k=None)
    assert len(everything.as_tuple()[0]) == 10


def test_uniform_stays_in_the_background_range() -> None:
    background = torch.tensor([[0.0, -1.0], [2.0, 1.0]])
    (noise,) = baselines.build(
        "uniform",
        torch.zeros(500, 2),
        background=background,
        generator=torch.Generator().manual_seed(1),
    )
    assert noise.shape == (500, 2)
    assert float(noise[:, 0].min()) >= 0.0
    assert float(noise[:, 0].max()) <= 2.0


def test_errors() -> None:
    with pytest.raises(InputError, match="needs background"):
        baselines.build("mean", torch.zeros(2, 2))
    with pytest.raises(InputError, match="non-negative"):
        AveragedBaseline(torch.zeros(2, 3), torch.tensor([1.0, -1.0]))
    with pytest.raises(InputError, match="unknown baseline"):
        baselines.build("blank", torch.zeros(2, 2))
