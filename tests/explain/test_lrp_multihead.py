"""LRP through ``nn.MultiheadAttention``: run with visible modules, it gives exactly what the same
attention written with jetxai's modules gives, conserves relevance with the identity softmax, and
is left as it was."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.explain.lrp import lrp, lrp_decomposition
from jetxai.models.layers import MaskedSum
from jetxai.models.part import Attention


class TorchEncoder(nn.Module):
    def __init__(self, dim: int = 8, heads: int = 2, batch_first: bool = True) -> None:
        super().__init__()
        self.embed = nn.Linear(3, dim)
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=batch_first)
        self.pool = MaskedSum()
        self.out = nn.Linear(dim, 1)
        self.batch_first = batch_first

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        seq = h if self.batch_first else h.transpose(0, 1)
        a, _ = self.attention(seq, seq, seq, key_padding_mask=~mask)
        a = a if self.batch_first else a.transpose(0, 1)
        return self.out(self.pool(a, mask)).squeeze(-1)


class JetxaiEncoder(nn.Module):
    def __init__(self, torch_model: TorchEncoder) -> None:
        super().__init__()
        dim = torch_model.embed.out_features
        self.embed = torch_model.embed
        self.attention = Attention(dim, torch_model.attention.num_heads).to(self.embed.weight.dtype)
        w, b = torch_model.attention.in_proj_weight, torch_model.attention.in_proj_bias
        with torch.no_grad():
            for i, layer in enumerate(
                (self.attention.query, self.attention.key, self.attention.value)
            ):
                layer.weight.copy_(w[i * dim : (i + 1) * dim])
                layer.bias.copy_(b[i * dim : (i + 1) * dim])
            self.attention.out.weight.copy_(torch_model.attention.out_proj.weight)
            self.attention.out.bias.copy_(torch_model.attention.out_proj.bias)
        self.pool = torch_model.pool
        self.out = torch_model.out

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        return self.out(self.pool(self.attention(h, h, mask), mask)).squeeze(-1)


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("softmax", ["attnlrp", "identity"])
def test_multihead_attention_equals_the_explicit_attention(batch_first: bool, softmax: str) -> None:
    torch.manual_seed(0)
    model = TorchEncoder(batch_first=batch_first).double().eval()
    with torch.no_grad():
        model.attention.in_proj_bias.uniform_(-0.2, 0.2)
    reference = JetxaiEncoder(model).double().eval()
    x = torch.randn(5, 7, 3, dtype=torch.float64)
    mask = torch.arange(7)[None] < torch.tensor([7, 5, 3, 2, 1])[:, None]
    torch.testing.assert_close(model(x, mask), reference(x, mask))
    ours = lrp_decomposition(model, x, additional_forward_args=(mask,), softmax=softmax)
    theirs = lrp_decomposition(reference, x, additional_forward_args=(mask,), softmax=softmax)
    torch.testing.assert_close(ours.inputs[0], theirs.inputs[0], rtol=1e-10, atol=1e-12)
    # the module is as it was: its own forward, no added modules
    assert "forward" not in vars(model.attention)
    assert [n for n, _ in model.attention.named_children()] == ["out_proj"]


def test_multihead_attention_conserves_relevance_without_biases() -> None:
    torch.manual_seed(1)
    model = TorchEncoder().double().eval()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("bias"):
                parameter.zero_()
    x = torch.randn(6, 5, 3, dtype=torch.float64)
    mask = torch.ones(6, 5, dtype=torch.bool)
    _, delta = lrp(
        model,
        x,
        additional_forward_args=(mask,),
        softmax="identity",
        epsilon=1e-12,
        return_convergence_delta=True,
    )
    assert float(delta.abs().max()) <= 1e-10 * float(model(x, mask).detach().abs().max())


def test_unsupported_multihead_options_are_named() -> None:
    model = TorchEncoder().eval()
    model.attention = nn.MultiheadAttention(8, 2, add_bias_kv=True, batch_first=True)
    with pytest.raises(InputError, match=r"module 'attention' \(MultiheadAttention with bias_k"):
        lrp(
            model,
            torch.randn(2, 4, 3),
            additional_forward_args=(torch.ones(2, 4, dtype=torch.bool),),
        )


class TorchLayer(nn.Module):
    def __init__(self, activation: str) -> None:
        super().__init__()
        self.embed = nn.Linear(3, 8)
        self.layer = nn.TransformerEncoderLayer(
            8, 2, 16, dropout=0.1, activation=activation, batch_first=True
        )
        self.pool = MaskedSum()
        self.out = nn.Linear(8, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.layer(self.embed(x), src_key_padding_mask=~mask)
        return self.out(self.pool(h, mask)).squeeze(-1)


def test_a_transformer_encoder_layer_conserves_or_is_flagged() -> None:
    import warnings

    from jetxai.explain.lrp.engine import ConservationWarning

    torch.manual_seed(0)
    x = torch.randn(4, 6, 3, dtype=torch.float64)
    mask = torch.ones(4, 6, dtype=torch.bool)
    relu = TorchLayer("relu").double().eval()
    with torch.no_grad():
        for name, parameter in relu.named_parameters():
            if name.endswith("bias"):
                parameter.zero_()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConservationWarning)
        _, delta = lrp(
            relu, x, additional_forward_args=(mask,), softmax="identity", epsilon=1e-12,
            return_convergence_delta=True,
        )  # fmt: skip
    assert float(delta.abs().max()) <= 1e-9 * float(relu(x, mask).detach().abs().max())
    # GELU is applied inline in the layer's forward: the engine cannot see it, the probe can
    with pytest.warns(ConservationWarning):
        lrp(TorchLayer("gelu").double().eval(), x, additional_forward_args=(mask,))
