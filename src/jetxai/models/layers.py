"""Explicit building blocks, so attribution engines can see every operation.

Set pooling, concatenation, sums of branches, products of two activations and the points
whose relevance is reported are modules of their own rather than inline ``torch.sum`` /
``torch.cat`` / ``+`` / ``@`` calls: an LRP engine can then attach a rule to them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn


class MaskedSum(nn.Module):
    """Deep-set pooling Σ_i m_i x_i over the constituent axis (dim 1); padding contributes 0."""

    piecewise_linear = True

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return (x * mask.unsqueeze(-1).to(x.dtype)).sum(dim=1)


class WeightedSum(nn.Module):
    """EFN pooling Σ_i z_i x_i with per-constituent weights z (0 on padding)."""

    piecewise_linear = "it multiplies its two inputs (the EFN's energy weighting)"

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return (x * weights.unsqueeze(-1)).sum(dim=1)


class MaskedMean(nn.Module):
    """Mean over the real constituents, Σ_i m_i x_i / max(Σ_i m_i, 1) (the count is a constant
    of the jet, so the map is linear in x)."""

    piecewise_linear = True

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        weights = mask.to(x.dtype)
        count = weights.sum(dim=-1, keepdim=True).clamp(min=1.0)
        return (x * weights.unsqueeze(-1)).sum(dim=-2) / count


class NeighbourMean(nn.Module):
    """Mean of edge outputs (N, n, k, C) over each particle's real neighbours (0 with none):
    linear in the edges, the neighbour count being a constant of the graph."""

    piecewise_linear = True

    def forward(self, edges: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        weights = valid.to(edges.dtype)
        count = weights.sum(dim=-1, keepdim=True).clamp(min=1.0)
        return (edges * weights.unsqueeze(-1)).sum(dim=-2) / count


class Add(nn.Module):
    """Sum of branches (residual connections, attention logits plus the interaction bias)."""

    piecewise_linear = True

    def forward(self, first: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        out = first
        for part in rest:
            out = out + part
        return out


class MatMul(nn.Module):
    """Product ``a @ b`` of two activations (attention scores and the attention-weighted sum of
    values)."""

    piecewise_linear = "it multiplies two activations"

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a @ b


class ClassToken(nn.Module):
    """A learned vector, the class token, one per jet. It is a constant input of the model:
    a model passes it through a source :class:`Tap` so LRP reports the relevance it takes."""

    piecewise_linear = True

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.value = nn.Parameter(torch.zeros(1, 1, dim))
        nn.init.trunc_normal_(self.value, std=0.02)

    def forward(self, like: torch.Tensor) -> torch.Tensor:
        return self.value.expand(like.shape[0], -1, -1).to(like.dtype)


class Tap(nn.Module):
    """Identity on ``x`` that marks an intermediate tensor whose relevance LRP reports.

    ``index`` (optional, (N, n, k) integers) says which particle the k-th entry of row i pairs
    with, so the relevance can be laid out per particle pair. A ``source`` tap starts a branch
    of its own (the pairwise interaction features): LRP stops there, and the relevance reaching
    it is a share of the output besides the inputs' (never passed on to the inputs).
    """

    piecewise_linear = True

    def __init__(self, name: str, source: bool = False) -> None:
        super().__init__()
        self.name = name
        self.source = source

    def forward(self, x: torch.Tensor, index: torch.Tensor | None = None) -> torch.Tensor:
        return x


class Concat(nn.Module):
    """Concatenation of branch outputs along the feature axis (latent vector, XAUG vector)."""

    piecewise_linear = True

    def forward(self, *parts: torch.Tensor) -> torch.Tensor:
        return torch.cat(parts, dim=-1)


def mlp(sizes: Sequence[int], final_activation: bool = True, dropout: float = 0.0) -> nn.Sequential:
    """Linear layers of the given sizes with ReLU between them (and after the last if asked),
    each ReLU followed by dropout where ``dropout`` is positive."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(n_in, n_out))
        if final_activation or i < len(sizes) - 2:
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class ChannelNorm(nn.BatchNorm1d):
    """BatchNorm over the last (channel) axis of a tensor of any shape — (N, n, C) particles or
    (N, n, k, C) edges — with the statistics over every other axis, as weaver's BatchNorm1d/2d
    take them over (N, ·, P[, K]). After a Linear in an ``nn.Sequential``, LRP folds it into
    that layer."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.reshape(-1, x.shape[-1])).reshape(x.shape)


def normed_mlp(sizes: Sequence[int]) -> nn.Sequential:
    """Linear layers without bias, each followed by :class:`ChannelNorm` and ReLU (weaver's
    1×1 convolution, BatchNorm, ReLU)."""
    layers: list[nn.Module] = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [nn.Linear(n_in, n_out, bias=False), ChannelNorm(n_out), nn.ReLU()]
    return nn.Sequential(*layers)


class Head(nn.Module):
    """The final dense layers: optional concatenation of the XAUG vector, then an MLP → 1 logit
    (or one per class, :meth:`set_outputs`).

    This is where the XAUG paper's expert variables enter: after the network-specific
    operations, before the final dense layers.
    """

    piecewise_linear = True

    def __init__(
        self, latent: int, n_xaug: int, hidden: Sequence[int], dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.n_xaug = n_xaug
        self.concat = Concat()
        self.dense = mlp([latent + n_xaug, *hidden, 1], final_activation=False, dropout=dropout)

    def set_outputs(self, outputs: int) -> None:
        """Give the last layer ``outputs`` logits (one per class of a multi-class tagger; the
        forward pass then returns (jets, outputs) instead of one logit per jet)."""
        last = self.dense[-1]
        assert isinstance(last, nn.Linear)
        self.dense[-1] = nn.Linear(last.in_features, outputs)

    def forward(self, latent: torch.Tensor, xaug: torch.Tensor | None = None) -> torch.Tensor:
        if self.n_xaug:
            if xaug is None:
                raise ValueError("this model was built with XAUG inputs; pass them")
            latent = self.concat(latent, xaug)
        out = self.dense(latent)
        return out.squeeze(-1) if out.shape[-1] == 1 else out
