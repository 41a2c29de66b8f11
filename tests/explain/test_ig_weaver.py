"""Integrated Gradients on weaver-core's ParticleTransformer (optional: skipped without
weaver-core): its pair features take logarithms of the four-vectors, whose gradient is NaN at
padded (zero) particles, so IG says so and attributes the particle features with the
four-vectors held at the explained jet when asked."""

from __future__ import annotations

import warnings

import pytest
import torch

from jetxai.explain import AveragedBaseline, NonFiniteAttributionWarning, integrated_gradients

from .test_lrp_weaver import _inputs, _part

pytest.importorskip("weaver.nn.model.ParticleTransformer")


def test_non_finite_attributions_name_the_input_the_baseline_and_the_recipe() -> None:
    model = _part()
    x, _, v, mask = _inputs()
    background = AveragedBaseline((x.flip(0), v.flip(0)))  # the other jets as background
    with pytest.warns(NonFiniteAttributionWarning) as caught:
        _, four_vectors = integrated_gradients(
            model, (x, v), target=1, baselines=background, additional_forward_args=(mask,),
            n_steps=8,
        )  # fmt: skip
    assert not torch.isfinite(four_vectors).all()
    message = str(caught[0].message)
    assert "input 1 (4, 16)" in message
    assert "averaged baseline of 6 background samples" in message
    assert "already at the explained inputs themselves" in message  # log(0) at padded particles
    assert "hold=(1,)" in message


def test_the_four_vectors_held_at_the_explained_jet_give_complete_attributions() -> None:
    model = _part()
    x, _, v, mask = _inputs()
    # background particle features in every slot: a slot padded in the background but real in
    # the explained jet starts the path at an all-zero feature vector, where weaver's embedding
    # is so steep that no quadrature converges in reasonable steps
    features_b = torch.randn(4, 7, 16, generator=torch.Generator().manual_seed(5)).double()
    background = AveragedBaseline((features_b, v[:4]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (features, four_vectors), delta = integrated_gradients(
            model, (x, v), target=1, baselines=background, additional_forward_args=(mask,),
            n_steps="auto", tolerance=1e-3, return_convergence_delta=True,
            hold=(1,),
        )  # fmt: skip
    assert torch.isfinite(features).all()
    assert torch.equal(four_vectors, torch.zeros_like(v))
    # the reference: f(x) − mean_k f(x′_k) with every baseline jet's features put in the
    # explained jet's place, its own four-vectors and mask kept (a plain forward pass each)
    with torch.no_grad():
        explained = model(x, v, mask)[:, 1]
        baseline = torch.stack(
            [model(features_b[k].expand_as(x), v, mask)[:, 1] for k in range(len(features_b))]
        ).mean(dim=0)
    difference = explained - baseline
    summed = features.sum(dim=(1, 2))
    torch.testing.assert_close(summed - delta, difference, rtol=0, atol=1e-9)
    assert float((delta.abs() - 1e-3 * difference.abs()).max()) <= 1e-6  # converged per jet
