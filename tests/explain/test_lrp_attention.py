"""LRP through attention (ParT) and EdgeConv (ParticleNet) blocks.

The reference is written out by hand in numpy (float64), one relevance message per operation,
R_in = x ⊙ Jᵀ (R_out / out) with the rule's own Jacobian J, independently of the engine's
autograd formulation: the ε-rule on Linear layers and sums, the uniform rule on products of two
activations, LayerNorm with a constant standard deviation, both softmax rules, mean / sum
pooling and the EdgeConv gather.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from jetxai import data
from jetxai.errors import InputError
from jetxai.explain.lrp import lrp, lrp_decomposition
from jetxai.models import build, default_spec, prepare_inputs
from jetxai.models.inputs import fit_standardisation, raw_inputs
from jetxai.models.layers import Add, MaskedSum, Tap
from jetxai.models.part import Attention
from jetxai.models.particlenet import ParticleNet

EPS = 1e-9


def _stab(z: np.ndarray) -> np.ndarray:
    return z + EPS * np.where(z >= 0, 1.0, -1.0)


def _linear(x: np.ndarray, layer: nn.Linear, r_out: np.ndarray) -> np.ndarray:
    """ε-rule: R_x = x ⊙ Wᵀ (R / (z + ε sign z)), z = W x + b."""
    W = layer.weight.detach().numpy()
    b = layer.bias.detach().numpy() if layer.bias is not None else 0.0
    z = x @ W.T + b
    return x * ((r_out / _stab(z)) @ W)


def _share(part: np.ndarray, total: np.ndarray) -> np.ndarray:
    """part / total, 0 where the total is 0 (no relevance reaches a zero sum)."""
    return np.divide(part, total, out=np.zeros_like(part), where=total != 0)


def _apply(x: np.ndarray, layer: nn.Linear) -> np.ndarray:
    W = layer.weight.detach().numpy()
    b = layer.bias.detach().numpy() if layer.bias is not None else 0.0
    return x @ W.T + b


class OneBlock(nn.Module):
    """Embedding, LayerNorm, one single-head attention with an interaction bias from fixed pair
    features, a residual sum, sum pooling and a linear output."""

    def __init__(self, features: int = 3, dim: int = 4) -> None:
        super().__init__()
        self.embed = nn.Linear(features, dim)
        self.norm = nn.LayerNorm(dim)
        self.attention = Attention(dim, heads=1)
        self.pairs = Tap("pairs", source=True)
        self.pair_embed = nn.Linear(2, 1, bias=False)
        self.residual = Add()
        self.pool = MaskedSum()
        self.out = nn.Linear(dim, 1)

    def forward(self, x: torch.Tensor, pair: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        u = self.norm(h)
        bias = self.pair_embed(self.pairs(pair)).squeeze(-1).unsqueeze(1)
        r = self.residual(h, self.attention(u, u, mask, bias))
        return self.out(self.pool(r, mask)).squeeze(-1)


def _one_block_reference(
    model: OneBlock, x: np.ndarray, pair: np.ndarray, softmax: str
) -> tuple[float, np.ndarray, np.ndarray]:
    """(f, R_x, R_pairs) of one jet with all particles real."""
    at = model.attention
    n = x.shape[0]
    h = _apply(x, model.embed)
    mu = h.mean(axis=1, keepdims=True)
    sigma = np.sqrt(h.var(axis=1, keepdims=True) + model.norm.eps)
    gamma = model.norm.weight.detach().numpy()
    beta = model.norm.bias.detach().numpy()
    u = (h - mu) / sigma * gamma + beta
    q = _apply(u, at.query)
    qs = q * at.scale
    k = _apply(u, at.key)
    v = _apply(u, at.value)
    S = qs @ k.T
    wU = model.pair_embed.weight.detach().numpy()[0]
    U = pair @ wU
    L = S + U
    A = np.exp(L - L.max(axis=1, keepdims=True))
    A /= A.sum(axis=1, keepdims=True)
    mixed = A @ v
    a = _apply(mixed, at.out)
    r = h + a
    p = r.sum(axis=0)
    f = float(_apply(p, model.out)[0])

    R_p = _linear(p, model.out, np.array([f]))
    R_r = r / p * R_p  # sum pooling: each particle in proportion
    R_h = h / _stab(r) * R_r  # the residual sum, ε-rule
    R_a = a / _stab(r) * R_r
    R_O = _linear(mixed, at.out, R_a)
    G = R_O / mixed  # the uniform rule on mixed = A v
    R_A = 0.5 * A * (G @ v.T)
    R_v = 0.5 * v * (A.T @ G)
    # identity: each output's relevance to its logit; AttnLRP: R_i = x_i (R_i − s_i Σ_j R_j)
    attnlrp = L * (R_A - A * R_A.sum(axis=1, keepdims=True))
    R_L = R_A if softmax == "identity" else attnlrp
    R_S = S / _stab(L) * R_L
    R_U = U / _stab(L) * R_L
    R_pairs = (pair * wU) / _stab(U)[..., None] * R_U[..., None]
    GS = R_S / S  # the uniform rule on S = q kᵀ (the scale is a constant factor)
    R_q = 0.5 * qs * (GS @ k)
    R_k = 0.5 * k * (GS.T @ qs)
    R_u = _linear(u, at.query, R_q) + _linear(u, at.key, R_k) + _linear(u, at.value, R_v)
    # LayerNorm, σ constant: u = (h − μ) γ / σ + β, J = diag(γ/σ) (I − 1/D)
    D = h.shape[1]
    centring = np.eye(D) - 1.0 / D
    R_h = R_h + h * (((R_u / u) * gamma / sigma) @ centring)
    R_x = _linear(x, model.embed, R_h)
    assert R_pairs.shape == (n, n, 2)
    return f, R_x, R_pairs.sum(axis=-1)


@pytest.mark.parametrize("softmax", ["identity", "attnlrp"])
def test_attention_block_matches_the_hand_written_reference(softmax: str) -> None:
    torch.manual_seed(3)
    model = OneBlock().double().eval()
    with torch.no_grad():
        model.norm.weight.uniform_(0.5, 1.5)
        model.norm.bias.uniform_(-0.3, 0.3)
    N, n = 3, 5
    x = torch.randn(N, n, 3, dtype=torch.float64)
    pair = torch.randn(N, n, n, 2, dtype=torch.float64)
    mask = torch.ones(N, n, dtype=torch.bool)
    result = lrp_decomposition(
        model, x, additional_forward_args=(pair, mask), epsilon=EPS, softmax=softmax
    )
    for b in range(N):
        f, R_x, R_pairs = _one_block_reference(model, x[b].numpy(), pair[b].numpy(), softmax)
        assert result.output[b].item() == pytest.approx(f, rel=1e-12)
        np.testing.assert_allclose(result.inputs[0][b].numpy(), R_x, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(result.internal["pairs"][b].numpy(), R_pairs, rtol=1e-8)


def _edgeconv_reference(
    model: ParticleNet, x: np.ndarray, mask: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """(f, R_x, R_edges (n, n)) of one jet through a one-block, depth-1 ParticleNet."""
    block = model.blocks[0]
    k = block.k
    real = np.flatnonzero(mask)
    n, F = x.shape
    d = ((x[:, None, :2] - x[None, :, :2]) ** 2).sum(axis=-1)
    neighbours = {}
    for i in real:
        others = [j for j in real if j != i]
        neighbours[i] = sorted(others, key=lambda j: d[i, j])[:k]
    linear = block.edge_mlp[0]
    edges = {i: np.array([np.concatenate([x[i], x[j]]) for j in neighbours[i]]) for i in real}
    pre = {i: _apply(edges[i], linear) for i in real if len(neighbours[i])}
    W = linear.weight.shape[0]
    agg = np.zeros((n, W))
    for i in pre:
        agg[i] = np.maximum(pre[i], 0).mean(axis=0)
    sc = _apply(x, block.shortcut)
    s = agg + sc
    o = np.maximum(s, 0) * mask[:, None]
    p = o[real].mean(axis=0)
    f = float(_apply(p, model.head.dense[0])[0])

    R_p = _linear(p, model.head.dense[0], np.array([f]))
    R_o = np.zeros_like(o)
    R_o[real] = _share(o[real], o[real].sum(axis=0)) * R_p  # the mean, in proportion
    R_s = R_o  # ReLU passes relevance
    R_agg = agg / _stab(s) * R_s
    R_sc = sc / _stab(s) * R_s
    R_x = _linear(x, block.shortcut, R_sc)
    R_edges = np.zeros((n, n))
    for i in pre:
        e = np.maximum(pre[i], 0)
        R_e = _share(e, e.sum(axis=0)) * R_agg[i]  # the neighbour mean, in proportion
        R_in = _linear(edges[i], linear, R_e)  # the ReLU passes R_e to the pre-activation
        for slot, j in enumerate(neighbours[i]):
            R_x[i] += R_in[slot, :F]
            R_x[j] += R_in[slot, F:]
            R_edges[i, j] = R_in[slot].sum()
    return f, R_x, R_edges


def test_edgeconv_block_matches_the_hand_written_reference() -> None:
    torch.manual_seed(5)
    model = ParticleNet(n_features=3, k=2, widths=(6,), depth=1, hidden=()).double().eval()
    N, n = 4, 6
    x = torch.randn(N, n, 3, dtype=torch.float64)
    counts = torch.tensor([6, 4, 2, 1])
    mask = torch.arange(n)[None] < counts[:, None]
    x = x * mask[..., None]
    result = lrp_decomposition(model, x, additional_forward_args=(mask,), epsilon=EPS)
    for b in range(N):
        f, R_x, R_edges = _edgeconv_reference(model, x[b].numpy(), mask[b].numpy())
        assert result.output[b].item() == pytest.approx(f, rel=1e-12)
        np.testing.assert_allclose(result.inputs[0][b].numpy(), R_x, rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(
            result.internal["blocks.0.edges"][b].numpy(), R_edges, rtol=1e-7, atol=1e-12
        )


XAUG = ["mass", "tau32", "d2"]


@pytest.fixture(scope="module")
def jets(top_dataset: Path):  # type: ignore[no-untyped-def]
    return data.read(top_dataset)[:12]


def _tagger(name: str, jets, xaug: list[str]):  # type: ignore[no-untyped-def]
    spec = default_spec(name, xaug, n_constituents=24)
    fit_standardisation(spec, raw_inputs(spec, jets))
    torch.manual_seed(11)
    model = build(spec).double().eval()
    inputs, additional = prepare_inputs(model, jets)
    with torch.no_grad():
        for parameter_name, parameter in model.named_parameters():
            if "bias" in parameter_name:
                parameter.zero_()
    return model, tuple(t.double() for t in inputs), additional


@pytest.mark.parametrize("xaug", [[], XAUG])
@pytest.mark.parametrize("name", ["particlenet", "part"])
def test_relevance_is_conserved_to_1e_5_without_biases(jets, name: str, xaug: list[str]) -> None:  # type: ignore[no-untyped-def]
    model, inputs, additional = _tagger(name, jets, xaug)
    result = lrp_decomposition(
        model, inputs, additional_forward_args=additional, epsilon=1e-12, softmax="identity"
    )
    relative = (result.delta.abs() / result.output.abs()).numpy()
    assert relative.max() <= 1e-5
    # each share is there: particles, the XAUG branch, ParT's pairs and class token
    totals = result.totals()
    assert set(totals) == {f"input{i}" for i in range(len(inputs))} | set(result.sources)
    assert result.sources == (("pairs", "token_share") if name == "part" else ())
    assert all(float(t.abs().sum()) > 0 for t in totals.values())
    mask = additional[0]
    assert torch.all(result.inputs[0][~mask] == 0)
    for pairs in result.internal.values():
        if pairs.dim() == 3:  # no pair with a padded particle holds relevance
            both = mask.unsqueeze(2) & mask.unsqueeze(1)
            assert torch.all(pairs[~both] == 0)


def test_attnlrp_softmax_absorbs_relevance_and_the_identity_rule_does_not(jets) -> None:  # type: ignore[no-untyped-def]
    model, inputs, additional = _tagger("part", jets, [])
    kwargs = {"additional_forward_args": additional, "epsilon": 1e-12}
    attnlrp = lrp_decomposition(model, inputs, softmax="attnlrp", **kwargs)
    identity = lrp_decomposition(model, inputs, softmax="identity", **kwargs)
    assert float(attnlrp.delta.abs().max()) > 1e-3 * float(attnlrp.output.abs().mean())
    assert float(identity.delta.abs().max()) <= 1e-8 * float(identity.output.abs().max())


def test_cp_rule_conserves_and_gives_pairs_nothing(jets) -> None:  # type: ignore[no-untyped-def]
    model, inputs, additional = _tagger("part", jets, XAUG)
    result = lrp_decomposition(
        model, inputs, additional_forward_args=additional, epsilon=1e-12, softmax="cp"
    )
    assert float((result.delta.abs() / result.output.abs()).max()) <= 1e-5
    assert torch.all(result.internal["pairs"] == 0)  # the logits take no relevance


def test_edge_relevance_sits_on_neighbour_pairs_only(jets) -> None:  # type: ignore[no-untyped-def]
    model, inputs, additional = _tagger("particlenet", jets, [])
    result = lrp_decomposition(model, inputs, additional_forward_args=additional)
    edges = result.internal["blocks.0.edges"]
    k = model.blocks[0].k
    assert torch.all((edges != 0).sum(dim=-1) <= k)
    assert torch.all(torch.diagonal(edges, dim1=1, dim2=2) == 0)  # no particle is its own edge
    # without the intermediate taps: the same input relevance, no edges
    lean = lrp_decomposition(model, inputs, additional_forward_args=additional, internal=False)
    assert lean.internal == {}
    torch.testing.assert_close(lean.inputs[0], result.inputs[0], rtol=0, atol=0)


def test_unknown_softmax_rule_is_refused(jets) -> None:  # type: ignore[no-untyped-def]
    model, inputs, additional = _tagger("part", jets, [])
    with pytest.raises(InputError, match=r"softmax rule 'lxt'; choose from attnlrp, cp, identity"):
        lrp(model, inputs, additional_forward_args=additional, softmax="lxt")
