"""LRP on weaver-core's own ParticleNet and ParticleTransformer module objects (optional: skipped
without weaver-core; ``pip install --no-deps weaver-core`` suffices, the model files need only
torch)."""

from __future__ import annotations

import warnings

import pytest
import torch

from jetxai.errors import InputError
from jetxai.explain.lrp import lrp_decomposition
from jetxai.explain.lrp.engine import ConservationWarning

weaver_part = pytest.importorskip("weaver.nn.model.ParticleTransformer")
weaver_pnet = pytest.importorskip("weaver.nn.model.ParticleNet")

N, P = 6, 16


def _inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(features (N, 7, P), points (N, 2, P), four-vectors (N, 4, P), mask (N, 1, P))."""
    generator = torch.Generator().manual_seed(3)
    counts = torch.tensor([16, 12, 7, 5, 3, 2])
    mask = (torch.arange(P)[None] < counts[:, None]).unsqueeze(1).double()
    x = torch.randn(N, 7, P, generator=generator, dtype=torch.float64) * mask
    points = torch.randn(N, 2, P, generator=generator, dtype=torch.float64) * 0.3 * mask
    pt = torch.rand(N, P, generator=generator, dtype=torch.float64) * 100 + 1
    eta, phi = points[:, 0], points[:, 1]
    v = torch.stack([pt * phi.cos(), pt * phi.sin(), pt * eta.sinh(), pt * eta.cosh()], 1) * mask
    return x, points, v, mask


def _without_biases(model: torch.nn.Module) -> torch.nn.Module:
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("bias"):
                parameter.zero_()
        for module in model.modules():
            if getattr(module, "running_mean", None) is not None:
                module.running_mean.zero_()
    return model


def _part() -> torch.nn.Module:
    torch.manual_seed(0)
    model = weaver_part.ParticleTransformer(
        input_dim=7, num_classes=2, pair_input_dim=4, embed_dims=[16, 16], pair_embed_dims=[8, 8],
        num_heads=4, num_layers=2, num_cls_layers=1, fc_params=[],
    )  # fmt: skip
    return model.double().eval()


def test_weaver_particle_transformer_conserves_with_pairs_and_class_token() -> None:
    model = _without_biases(_part())
    x, _, v, mask = _inputs()
    with torch.no_grad():
        before = model(x, v, mask)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConservationWarning)
        result = lrp_decomposition(
            model, (x, v), target=1, additional_forward_args=(mask,), softmax="identity",
            epsilon=1e-12,
        )  # fmt: skip
    assert float((result.delta.abs() / result.output.abs()).max()) <= 1e-5
    assert result.sources == ("pairs", "class_token")
    real = mask[:, 0].bool()
    pairs = result.internal["pairs"]
    assert pairs.shape == (N, P, P)
    assert torch.all(pairs[~(real.unsqueeze(2) & real.unsqueeze(1))] == 0)
    assert float(pairs.abs().sum()) > 0
    assert torch.all(result.inputs[0].transpose(1, 2)[~real] == 0)  # padded particles: nothing
    assert torch.all(result.inputs[1] == 0)  # the four-vectors only feed the pair branch
    # the model is as it was
    # (weaver trims padding once its warm-up calls are done: equal to round-off)
    torch.testing.assert_close(model(x, v, mask), before, rtol=1e-12, atol=1e-12)
    assert not any("forward" in vars(m) for m in model.modules())
    assert not any("_jetxai" in name for name, _ in model.named_modules())


def test_weaver_particlenet_conserves_as_it_is() -> None:
    torch.manual_seed(0)
    model = weaver_pnet.ParticleNet(
        input_dims=7, num_classes=2, conv_params=[(4, (16, 16, 16)), (4, (32, 32, 32))],
        fc_params=[(32, 0.1)],
    )  # fmt: skip
    model = _without_biases(model.double().eval())
    x, points, _, mask = _inputs()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConservationWarning)
        result = lrp_decomposition(
            model, (points, x), target=1, additional_forward_args=(mask,), epsilon=1e-12
        )
    assert float((result.delta.abs() / result.output.abs()).max()) <= 1e-5
    assert torch.all(result.inputs[0] == 0)  # the points only choose the neighbours
    assert torch.all(result.inputs[1].transpose(1, 2)[~mask[:, 0].bool()] == 0)


def test_weaver_options_the_adapter_does_not_cover_are_named() -> None:
    x, _, v, mask = _inputs()
    global_token = weaver_part.ParticleTransformer(
        input_dim=7, num_classes=2, pair_input_dim=4, embed_dims=[16], pair_embed_dims=[8],
        num_heads=4, num_layers=1, num_cls_layers=0, fc_params=[], include_global_token=True,
    ).double().eval()  # fmt: skip
    with pytest.raises(InputError, match="include_global_token"):
        lrp_decomposition(global_token, (x, v), target=1, additional_forward_args=(mask,))
    gated = _part()
    gated.blocks[1].attn.headwise_attn_output_gate = True
    with pytest.raises(
        InputError, match=r"module 'blocks\.1\.attn' \(weaver Attention with an output"
    ):
        lrp_decomposition(gated, (x, v), target=1, additional_forward_args=(mask,))


def test_integrated_gradients_on_weavers_pair_features_are_flagged_not_silent() -> None:
    from jetxai.explain import NonFiniteAttributionWarning, integrated_gradients

    # weaver computes ln kT, ln ΔR, ... from the four-vectors without guards: at the zero
    # baseline its gradients are NaN (jetxai's own `part` guards them); the user is told
    model = _part()
    x, _, v, mask = _inputs()
    named = r"input 1 \(4, 16\) are not finite.*zero baseline.*hold=\(1,\)"
    with pytest.warns(NonFiniteAttributionWarning, match=named):
        integrated_gradients(model, (x, v), target=1, additional_forward_args=(mask,), n_steps=4)
