"""Explicit building blocks, so attribution engines can see every operation.

Set pooling and concatenation are modules of their own rather than inline ``torch.sum`` /
``torch.cat`` calls: an LRP engine can then attach a rule to them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn


class MaskedSum(nn.Module):
    """Deep-set pooling Σ_i m_i x_i over the constituent axis (dim 1); padding contributes 0."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return (x * mask.unsqueeze(-1).to(x.dtype)).sum(dim=1)


class WeightedSum(nn.Module):
    """EFN pooling Σ_i z_i x_i with per-constituent weights z (0 on padding)."""

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return (x * weights.unsqueeze(-1)).sum(dim=1)


class Concat(nn.Module):
    """Concatenation of branch outputs along the feature axis (latent vector, XAUG vector)."""

    def forward(self, *parts: torch.Tensor) -> torch.Tensor:
        return torch.cat(parts, dim=-1)


def mlp(sizes: Sequence[int], final_activation: bool = True) -> nn.Sequential:
    """Linear layers of the given sizes with ReLU between them (and after the last if asked)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(n_in, n_out))
        if final_activation or i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Head(nn.Module):
    """The final dense layers: optional concatenation of the XAUG vector, then an MLP → 1 logit.

    This is where the XAUG paper's expert variables enter: after the network-specific
    operations, before the final dense layers.
    """

    def __init__(self, latent: int, n_xaug: int, hidden: Sequence[int]) -> None:
        super().__init__()
        self.n_xaug = n_xaug
        self.concat = Concat()
        self.dense = mlp([latent + n_xaug, *hidden, 1], final_activation=False)

    def forward(self, latent: torch.Tensor, xaug: torch.Tensor | None = None) -> torch.Tensor:
        if self.n_xaug:
            if xaug is None:
                raise ValueError("this model was built with XAUG inputs; pass them")
            latent = self.concat(latent, xaug)
        return self.dense(latent).squeeze(-1)
