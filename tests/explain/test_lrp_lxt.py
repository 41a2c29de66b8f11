"""jetxai's attention LRP against AttnLRP's own implementation (``lxt``, optional: the test is
skipped without it; ``pip install --no-deps lxt==2.1`` suffices, ``lxt.explicit.functional``
needs only torch).

The same one-block encoder — embedding, LayerNorm, an ``nn.MultiheadAttention`` with two heads,
a residual sum, a linear read-out of the first token — is explained by jetxai (through its
explicit-attention canonizer) and rebuilt from ``lxt.explicit.functional``'s rules with the
same weights: ε-rule Linear, LayerNorm with constant σ, the uniform rule on both products,
AttnLRP's softmax rule and the ε-rule sum. Every stabiliser is set to 1e-12 on both sides (lxt
adds ε without the sign of the denominator, jetxai with it), so the rules coincide and the
relevances must agree to round-off.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from jetxai.explain.lrp import lrp_decomposition
from jetxai.models.layers import Add

lf = pytest.importorskip("lxt.explicit.functional")

EPS = 1e-12


class Encoder(nn.Module):
    def __init__(self, features: int = 4, dim: int = 8, heads: int = 2) -> None:
        super().__init__()
        self.embed = nn.Linear(features, dim)
        self.norm = nn.LayerNorm(dim)
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.residual = Add()
        self.out = nn.Linear(dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        u = self.norm(h)
        a, _ = self.attention(u, u, u, need_weights=False)
        return self.out(self.residual(h, a)[:, 0]).squeeze(-1)


def lxt_relevance(model: Encoder, x: torch.Tensor) -> torch.Tensor:
    """Input relevance from lxt's explicit rules (relevance flows as the backward argument)."""
    attention = model.attention
    dim, heads = attention.embed_dim, attention.num_heads
    scale = (dim // heads) ** -0.5
    w, b = attention.in_proj_weight.detach(), attention.in_proj_bias.detach()
    (w_q, w_k, w_v), (b_q, b_k, b_v) = w.chunk(3), b.chunk(3)
    x = x.clone().requires_grad_(True)
    h = lf.linear_epsilon(x, model.embed.weight, model.embed.bias, EPS)
    u = lf.layer_norm_grad_fn.apply(h, model.norm.weight, model.norm.bias, model.norm.eps, EPS)

    def split(t: torch.Tensor) -> torch.Tensor:
        return t.reshape(t.shape[0], t.shape[1], heads, -1).transpose(1, 2)

    # the 1/√d scale folded into the query projection: a constant factor is no rule in lxt
    q = split(lf.linear_epsilon(u, w_q * scale, b_q * scale, EPS))
    k = split(lf.linear_epsilon(u, w_k, b_k, EPS))
    v = split(lf.linear_epsilon(u, w_v, b_v, EPS))
    weights = lf.softmax(lf.matmul(q, k.transpose(-1, -2), epsilon=EPS), -1)
    mixed = lf.matmul(weights, v, epsilon=EPS).transpose(1, 2).reshape(x.shape[0], x.shape[1], dim)
    a = lf.linear_epsilon(mixed, attention.out_proj.weight, attention.out_proj.bias, EPS)
    r = lf.add2(h, a, epsilon=EPS)
    y = lf.linear_epsilon(r[:, 0], model.out.weight, model.out.bias, EPS).squeeze(-1)
    y.backward(y.detach())
    return x.grad


def test_jetxai_equals_lxt_where_the_rules_coincide() -> None:
    torch.manual_seed(2)
    model = Encoder().double().eval()
    with torch.no_grad():
        model.norm.weight.uniform_(0.5, 1.5)
        model.norm.bias.uniform_(-0.2, 0.2)
        model.attention.in_proj_bias.uniform_(-0.2, 0.2)
    x = torch.randn(6, 5, 4, dtype=torch.float64)
    ours = lrp_decomposition(model, x, epsilon=EPS, softmax="attnlrp", check_conservation=False)
    theirs = lxt_relevance(model, x)
    scale = float(theirs.abs().max())
    torch.testing.assert_close(ours.inputs[0], theirs, rtol=1e-7, atol=1e-9 * scale)
