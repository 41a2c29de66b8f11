"""Particle Transformer (Qu, Li & Qian, arXiv:2202.03772): particle self-attention with a
pairwise-interaction bias, then class attention with a class token.

- **Particle embedding**: an MLP per particle on its (standardised) features.
- **Pairwise interaction**: for every particle pair (a, b) the four features of the paper,
  ln k_T, ln z, ln ΔR and ln m², pass through a shared MLP to one bias per attention head, added
  to the attention logits: softmax(q·k / √d + U). They are computed inside the model from the
  particles' own features (Δη, Δφ, ln p_T), so what is attributed is always the per-particle
  features (there is no second four-vector input); LRP reports the relevance reaching the pair
  features as a share of its own, per pair (see :mod:`jetxai.explain.lrp`).
- **Particle-attention blocks** (pre-norm): x + Attention(LN x), then x + MLP(LN x).
- **Class-attention blocks**: a class token attends to (class token, particles). The token is
  a learned constant input; LRP reports the relevance it takes as a share of its own.
- The final dense layers read the normalised class token, with the XAUG vector concatenated.

Pairs use pseudorapidity differences and the massless m² = 2 p_T,a p_T,b (cosh Δη − cos Δφ);
every logarithm reads a value clamped away from zero, so the features, and their gradients, stay
finite for coincident particles (ΔR = 0) and at the all-zero baselines of Integrated Gradients.
Padded particles are masked out of every attention and every pair.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.models.layers import Add, ClassToken, Head, MatMul, Tap
from jetxai.models.registry import register
from jetxai.models.spec import ModelSpec
from jetxai.models.tagger import Tagger, refuse_beyond_memory

#: The constituent features the pairwise interaction is computed from.
KINEMATICS = ("deta", "dphi", "log_pt")
#: Floor of every argument of a logarithm in the pair features.
LOG_FLOOR = 1e-8
#: Largest |Δη| the pair features see (cosh stays finite; jets are far narrower).
MAX_DETA = 20.0


def pair_features(deta: torch.Tensor, dphi: torch.Tensor, log_pt: torch.Tensor) -> torch.Tensor:
    """(N, n, n, 4): ln k_T, ln z, ln ΔR, ln m² of every particle pair (massless particles)."""
    # |Δη| ≤ 20 keeps cosh finite in float32 far outside any jet (|Δη| < R)
    d_eta = (deta.unsqueeze(2) - deta.unsqueeze(1)).clamp(-MAX_DETA, MAX_DETA)
    d_phi = torch.remainder(dphi.unsqueeze(2) - dphi.unsqueeze(1) + math.pi, 2 * math.pi) - math.pi
    log_dr = 0.5 * torch.log((d_eta.square() + d_phi.square()).clamp(min=LOG_FLOOR))
    a, b = log_pt.unsqueeze(2), log_pt.unsqueeze(1)
    log_min = torch.minimum(a, b)
    log_kt = log_min + log_dr
    log_z = log_min - torch.logaddexp(a, b)
    spread = (torch.cosh(d_eta) - torch.cos(d_phi)).clamp(min=LOG_FLOOR)
    log_m2 = math.log(2.0) + a + b + torch.log(spread)
    return torch.stack([log_kt, log_z, log_dr, log_m2], dim=-1)


def _heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """(N, L, D) → (N, heads, L, D / heads)."""
    n, length, dim = x.shape
    return x.reshape(n, length, heads, dim // heads).transpose(1, 2)


class Attention(nn.Module):
    """Multi-head attention with an optional additive bias on the logits, written as explicit
    modules (projections, two products, the bias sum, softmax) so LRP can follow every step."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        if dim % heads:
            raise InputError(f"part: dim {dim} is not a multiple of heads {heads}")
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.scores = MatMul()
        self.add_bias = Add()
        self.softmax = nn.Softmax(dim=-1)
        self.mix = MatMul()
        self.out = nn.Linear(dim, dim)

    def forward(
        self,
        query: torch.Tensor,
        context: torch.Tensor,
        key_mask: torch.Tensor,
        bias: torch.Tensor | None = None,
    ) -> torch.Tensor:
        q = _heads(self.query(query), self.heads) * self.scale
        k = _heads(self.key(context), self.heads)
        v = _heads(self.value(context), self.heads)
        logits = self.scores(q, k.transpose(-1, -2))
        if bias is not None:
            logits = self.add_bias(logits, bias)
        logits = logits.masked_fill(~key_mask[:, None, None, :], torch.finfo(logits.dtype).min)
        mixed = self.mix(self.softmax(logits), v)
        n, _, length, _ = mixed.shape
        return self.out(mixed.transpose(1, 2).reshape(n, length, -1))


def _feed_forward(dim: int, expansion: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(dim, dim * expansion), nn.GELU(), nn.Linear(dim * expansion, dim)
    )


class _PreNormBlock(nn.Module):
    """Attention and a feed-forward MLP, each after a LayerNorm and around a residual sum."""

    def __init__(self, dim: int, heads: int, expansion: int) -> None:
        super().__init__()
        self.norm_attention = nn.LayerNorm(dim)
        self.attention = Attention(dim, heads)
        self.residual_attention = Add()
        self.norm_mlp = nn.LayerNorm(dim)
        self.mlp = _feed_forward(dim, expansion)
        self.residual_mlp = Add()


class ParticleBlock(_PreNormBlock):
    """Pre-norm particle self-attention with the interaction bias, then a feed-forward MLP."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        normed = self.norm_attention(x)
        x = self.residual_attention(x, self.attention(normed, normed, mask, bias))
        x = self.residual_mlp(x, self.mlp(self.norm_mlp(x)))
        return x * mask.unsqueeze(-1).to(x.dtype)


class ClassBlock(_PreNormBlock):
    """The class token attends to itself and the particles, then a feed-forward MLP."""

    def forward(self, token: torch.Tensor, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        normed = self.norm_attention(torch.cat([token, x], dim=1))
        with_token = torch.cat([torch.ones_like(mask[:, :1]), mask], dim=1)
        token = self.residual_attention(token, self.attention(normed[:, :1], normed, with_token))
        return self.residual_mlp(token, self.mlp(self.norm_mlp(token)))


@register("part", "Particle Transformer: attention with a pairwise-interaction bias")
class ParticleTransformer(Tagger):
    """ParT on constituent lists, with the optional XAUG vector before the final dense layers.

    Options: ``dim`` (embedding width), ``heads``, ``embed`` (particle-embedding MLP widths
    before ``dim``), ``pair`` (pair-embedding MLP widths before ``heads``), ``particle_blocks``,
    ``class_blocks``, ``expansion`` (feed-forward width / dim) and ``hidden`` (final dense
    layers). The small defaults train on two cores; the paper uses dim 128, 8 heads, 8 + 2 blocks.
    """

    small_label = "ParT-like (small)"
    piecewise_linear = "softmax attention, GELU and layer norm are smooth"

    representation = "constituents"
    kinematics: torch.Tensor
    kinematics_mean: torch.Tensor
    kinematics_std: torch.Tensor

    def __init__(
        self,
        n_features: int,
        n_xaug: int = 0,
        kinematics: Sequence[int] = (0, 1, 2),
        kinematics_mean: Sequence[float] = (0.0, 0.0, 0.0),
        kinematics_std: Sequence[float] = (1.0, 1.0, 1.0),
        dim: int = 32,
        heads: int = 4,
        embed: Sequence[int] = (64,),
        pair: Sequence[int] = (32, 32),
        particle_blocks: int = 2,
        class_blocks: int = 1,
        expansion: int = 2,
        hidden: Sequence[int] = (64,),
    ) -> None:
        super().__init__(n_xaug)
        if len(kinematics) != 3 or not all(0 <= c < n_features for c in kinematics):
            raise InputError(f"part: kinematics columns {list(kinematics)} are not input columns")
        self.register_buffer("kinematics", torch.tensor(list(kinematics)), persistent=False)
        self.register_buffer(
            "kinematics_mean", torch.tensor(list(kinematics_mean)), persistent=False
        )
        self.register_buffer("kinematics_std", torch.tensor(list(kinematics_std)), persistent=False)
        self.embed = _mlp_gelu([n_features, *embed, dim])
        self.pairs = Tap("pairs", source=True)
        self.pair_embed = _mlp_gelu([4, *pair, heads])
        self.particle_blocks = nn.ModuleList(
            ParticleBlock(dim, heads, expansion) for _ in range(particle_blocks)
        )
        self.token = ClassToken(dim)
        self.token_share = Tap("token", source=True)
        self.class_blocks = nn.ModuleList(
            ClassBlock(dim, heads, expansion) for _ in range(class_blocks)
        )
        self.norm = nn.LayerNorm(dim)
        self.head = Head(dim, n_xaug, hidden)

    @classmethod
    def check_options(cls, spec: ModelSpec, batch_size: int = 1) -> None:
        """The width must split into the heads; the pair features and attention weights kept
        for the backward pass (n × n per jet each) must fit in memory."""
        options = cls.chosen_options(spec)
        dim, heads, n = options["dim"], options["heads"], spec.n_constituents
        if dim % heads:
            raise InputError(f"part: dim {dim} is not a multiple of heads {heads}")
        planes = 4 + sum(options["pair"]) + heads * (1 + 2 * options["particle_blocks"])
        refuse_beyond_memory(
            "part", 4.0 * batch_size * n * n * planes, f"the pair features of {n} constituents"
        )

    @classmethod
    def spec_options(cls, spec: ModelSpec) -> dict[str, object]:
        fields = spec.constituent_fields
        missing = [c for c in KINEMATICS if c not in fields]
        if missing:
            raise InputError(
                f"part computes its pairwise features from {', '.join(KINEMATICS)}: add "
                f"{', '.join(missing)} to the constituent features"
            )
        columns = [fields.index(c) for c in KINEMATICS]
        options: dict[str, object] = {"kinematics": columns}
        if spec.constituent_mean:
            options["kinematics_mean"] = [spec.constituent_mean[c] for c in columns]
            options["kinematics_std"] = [spec.constituent_std[c] for c in columns]
        return options

    def interaction(self, constituents: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(N, heads, n, n): the pairwise-interaction bias of every attention head."""
        raw = constituents.index_select(-1, self.kinematics)
        raw = raw * self.kinematics_std.to(raw.dtype) + self.kinematics_mean.to(raw.dtype)
        # padded particles enter as zeros, whatever their slots hold
        raw = raw.masked_fill(~mask.unsqueeze(-1), 0.0)
        pairs = pair_features(raw[..., 0], raw[..., 1], raw[..., 2])
        both = (mask.unsqueeze(2) & mask.unsqueeze(1)).unsqueeze(-1).to(pairs.dtype)
        bias = self.pair_embed(self.pairs(pairs * both)) * both
        return bias.permute(0, 3, 1, 2)

    def forward(self, constituents: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        *xaug, mask = rest
        weights = mask.unsqueeze(-1).to(constituents.dtype)
        x = self.embed(constituents) * weights
        bias = self.interaction(constituents, mask)
        for block in self.particle_blocks:
            x = block(x, mask, bias)
        token = self.token_share(self.token(x))
        for block in self.class_blocks:
            token = block(token, x, mask)
        return self.head(self.norm(token[:, 0]), *xaug)


def _mlp_gelu(sizes: Sequence[int]) -> nn.Sequential:
    """Linear layers with GELU between them (ParT's embeddings)."""
    layers: list[nn.Module] = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [nn.Linear(n_in, n_out), nn.GELU()]
    return nn.Sequential(*layers[:-1])
