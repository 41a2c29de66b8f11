"""The taggers: a dense net on XAUGs, a CNN on jet images, Particle / Energy Flow Networks and
LSTM / GRU networks on constituent lists — each low-level model with an optional XAUG branch
concatenated before its final dense layers (Agarwal et al., arXiv:2011.13466).

Calling convention: ``model(*inputs, *additional_forward_args)``. ``inputs`` are the attributable
tensors — the low-level input first (constituents or images), then the XAUG vector if the model
has one; ``additional_forward_args`` carry the padding mask for constituent models. Every model
returns one logit per jet (signal-like when positive).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.models.layers import Head, MaskedSum, WeightedSum, mlp
from jetxai.models.registry import register
from jetxai.models.tagger import Tagger


@register("dnn", "dense network on XAUG variables only")
class DNN(Tagger):
    """Dense network on the XAUG vector alone."""

    piecewise_linear = True

    representation = "xaug"

    def __init__(self, n_xaug: int, hidden: Sequence[int] = (64, 64, 64)) -> None:
        super().__init__(n_xaug)
        if n_xaug < 1:
            raise ValueError("the dnn tagger needs at least one XAUG variable")
        self.head = Head(0, n_xaug, hidden)

    def forward(self, xaug: torch.Tensor) -> torch.Tensor:
        return self.head(xaug[:, :0], xaug)


@register("cnn", "CNN on jet images", image_bins=32)
class CNN(Tagger):
    """Convolutional network on (N, 1, H, W) jet images; latent = flattened conv features."""

    piecewise_linear = True

    representation = "images"

    def __init__(
        self,
        n_xaug: int = 0,
        bins: int = 32,
        channels: Sequence[int] = (8, 16),
        latent: int = 64,
        hidden: Sequence[int] = (64, 64),
    ) -> None:
        super().__init__(n_xaug)
        if bins < 2 ** len(channels):
            raise InputError(
                f"image_bins {bins} is too small: {len(channels)} pooling steps halve the image "
                f"{len(channels)} times (need at least {2 ** len(channels)})"
            )
        layers: list[nn.Module] = []
        size, previous = bins, 1
        for out in channels:
            layers += [nn.Conv2d(previous, out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            size //= 2
            previous = out
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.latent = nn.Sequential(nn.Linear(previous * size * size, latent), nn.ReLU())
        self.head = Head(latent, n_xaug, hidden)

    def forward(self, images: torch.Tensor, *xaug: torch.Tensor) -> torch.Tensor:
        return self.head(self.latent(self.features(images)), *xaug)


@register("pfn", "Particle Flow Network on constituents")
class PFN(Tagger):
    """Particle Flow Network (Komiske, Metodiev & Thaler, arXiv:1810.05165):
    F(Σ_i Φ(p_i)) with per-constituent Φ and a masked sum."""

    piecewise_linear = True

    representation = "constituents"

    def __init__(
        self,
        n_features: int,
        n_xaug: int = 0,
        phi: Sequence[int] = (64, 64, 64),
        hidden: Sequence[int] = (64, 64),
    ) -> None:
        super().__init__(n_xaug)
        self.phi = mlp([n_features, *phi])
        self.pool = MaskedSum()
        self.head = Head(phi[-1], n_xaug, hidden)

    def forward(self, constituents: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        *xaug, mask = rest
        return self.head(self.pool(self.phi(constituents), mask), *xaug)


# the EFN's pT fractions are its IRC-safe weights: they must not be standardised
@register(
    "efn",
    "Energy Flow Network on (z, angles)",
    constituent_fields=("pt_rel", "deta", "dphi"),
    standardise_constituents=False,
)
class EFN(Tagger):
    """Energy Flow Network: F(Σ_i z_i Φ(η_i, φ_i)), IR- and collinear-safe.

    Takes constituent features whose first column is the momentum fraction z = p_T,i / p_T,jet
    and whose next two are (Δη, Δφ); Φ sees only the angles.
    """

    piecewise_linear = "its energy weighting multiplies the momentum fractions with Φ of the angles"

    representation = "constituents"

    def __init__(
        self,
        n_features: int = 3,
        n_xaug: int = 0,
        phi: Sequence[int] = (64, 64, 64),
        hidden: Sequence[int] = (64, 64),
    ) -> None:
        super().__init__(n_xaug)
        if n_features != 3:
            raise ValueError("the efn tagger takes exactly (pt_rel, deta, dphi) per constituent")
        self.phi = mlp([2, *phi])
        self.pool = WeightedSum()
        self.head = Head(phi[-1], n_xaug, hidden)

    def forward(self, constituents: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        *xaug, mask = rest
        z = constituents[..., 0] * mask.to(constituents.dtype)
        return self.head(self.pool(self.phi(constituents[..., 1:3]), z), *xaug)


class Recurrent(Tagger):
    """LSTM or GRU over pT-ordered constituents; latent = the final hidden state at each
    jet's own length (packed sequences, so padding changes nothing)."""

    piecewise_linear = "its gates are sigmoids and tanh"

    representation = "constituents"
    cell: type[nn.LSTM] | type[nn.GRU] = nn.LSTM

    def __init__(
        self,
        n_features: int,
        n_xaug: int = 0,
        hidden_size: int = 64,
        hidden: Sequence[int] = (64, 64),
    ) -> None:
        super().__init__(n_xaug)
        self.rnn = self.cell(n_features, hidden_size, batch_first=True)
        self.head = Head(hidden_size, n_xaug, hidden)

    def forward(self, constituents: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        *xaug, mask = rest
        lengths = mask.sum(dim=1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(
            constituents, lengths, batch_first=True, enforce_sorted=False
        )
        _, state = self.rnn(packed)
        final = state[0] if isinstance(state, tuple) else state
        return self.head(final[-1], *xaug)

    def exportable(self) -> nn.Module:
        return _PaddedRecurrent(self)


class _PaddedRecurrent(nn.Module):
    """A recurrent tagger without packed sequences (which exporters cannot trace): the padded
    sequence run through, each jet's state read at its last real constituent. The same
    function: the constituents come first and padding after, and the state at step t depends
    only on steps ≤ t."""

    def __init__(self, tagger: Recurrent) -> None:
        super().__init__()
        self.tagger = tagger

    def forward(self, constituents: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        *xaug, mask = rest
        outputs, _ = self.tagger.rnn(constituents)
        last = (mask.sum(dim=1).clamp(min=1) - 1).view(-1, 1, 1).expand(-1, 1, outputs.shape[-1])
        return self.tagger.head(outputs.gather(1, last).squeeze(1), *xaug)


@register("lstm", "LSTM on pT-ordered constituents")
class LSTM(Recurrent):
    """LSTM tagger on constituent lists."""

    cell = nn.LSTM


@register("gru", "GRU on pT-ordered constituents")
class GRU(Recurrent):
    """GRU tagger on constituent lists."""

    cell = nn.GRU
