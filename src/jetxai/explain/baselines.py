"""Baselines for Integrated Gradients, as a registry of named, documented builders.

The IG paper (Bardhan, Neeraj, Rawat & Mitra, arXiv:2412.13864) shows the zero baseline gives
poor attributions for physics features and proposes averaging IG over baselines drawn from the
background: φ_i(x) = Σ_k w_k φ_i(x, x′_k), with uniform weights or each background process's
cross-section / events generated. :class:`AveragedBaseline` asks for exactly that expectation.

Builders (``build(name, background=..., ...)``), each returning a tensor (broadcastable to the
inputs) or an :class:`AveragedBaseline`; tuples for multi-input models. Each is registered at
its definition with what it needs (:class:`Baseline`), so a study builds any of them, a new one
included, by asking its entry, never its name:
- ``zero``: all zeros;
- ``mean`` / ``median``: the (weighted) background mean / median of every feature;
- ``averaged``: K background events (all if K is None) with their weights;
- ``uniform``: one draw per example, uniform within the background's range of each feature;
- a user tensor is used as it is.
Padded constituent slots are zero in every background event and so stay padding in every
baseline event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from jetxai._registry import Registry
from jetxai.errors import InputError
from jetxai.explain._common import generator_device

Inputs = tuple[torch.Tensor, ...]


@dataclass
class AveragedBaseline:
    """Average IG over K baselines: ``samples`` (K, *input_shape) (a tuple for multi-input
    models), ``weights`` (K,) non-negative, normalised to sum to 1 (uniform if None)."""

    samples: torch.Tensor | Inputs
    weights: torch.Tensor | None = None

    def __post_init__(self) -> None:
        samples = self.as_tuple()
        k = len(samples[0])
        if any(len(s) != k for s in samples) or k == 0:
            raise InputError("averaged baseline: every input needs the same, non-zero K samples")
        weights = (
            torch.ones(k, dtype=torch.float64)
            if self.weights is None
            else torch.as_tensor(self.weights, dtype=torch.float64)
        )
        if weights.shape != (k,) or bool((weights < 0).any()) or float(weights.sum()) <= 0:
            raise InputError(
                f"averaged baseline: need {k} non-negative weights with a positive sum"
            )
        self.weights = weights / weights.sum()

    def as_tuple(self) -> Inputs:
        return (self.samples,) if isinstance(self.samples, torch.Tensor) else tuple(self.samples)


@dataclass(frozen=True)
class Baseline:
    """A registered baseline: its builder ``build(inputs, background=, weights=, k=,
    generator=)`` and what it needs.

    Attributes:
        build: the builder.
        background: it is drawn from background rows.
        weighted: it uses the background rows' weights (a scorecard scores it with each
            weighting it is given).
        per_jet: one baseline per explained jet, so it is built batch by batch from the
            explained inputs (the background is kept, the baseline is not).
        keep: for a per-jet baseline, what of the background it needs (e.g. each feature's
            range); None: every row.
        scored: the weightings a scorecard scores it with (``""``: the scorecard's own).
        read: for a baseline that reads only some background rows, ``read(rows, weights, k,
            generator)`` → the baseline, where ``rows(indices)`` gives the inputs of those
            background rows and ``weights`` are every row's (None where it reads them all).
    """

    build: Callable[..., Inputs | AveragedBaseline]
    background: bool = False
    weighted: bool = False
    per_jet: bool = False
    keep: Callable[[Inputs], Inputs] | None = None
    scored: tuple[str, ...] = ("",)
    read: Callable[..., AveragedBaseline | None] | None = None

    def __call__(self, inputs: Inputs, **options: Any) -> Inputs | AveragedBaseline:
        return self.build(inputs, **options)


BASELINES: Registry[Baseline] = Registry("baseline", make=Baseline)


def _as_tuple(background: torch.Tensor | Sequence[torch.Tensor]) -> Inputs:
    return (background,) if isinstance(background, torch.Tensor) else tuple(background)


def _weights(weights: Any, k: int) -> torch.Tensor:
    if weights is None:
        return torch.full((k,), 1.0 / k, dtype=torch.float64)
    w = torch.as_tensor(weights, dtype=torch.float64)
    if w.shape != (k,) or bool((w < 0).any()) or float(w.sum()) <= 0:
        raise InputError(f"background weights: need {k} non-negative values with a positive sum")
    return w / w.sum()


def _weighted_median(values: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    flat = values.reshape(len(values), -1).double()
    order = flat.argsort(dim=0)
    cumulative = weights[order].cumsum(dim=0)
    index = (cumulative < 0.5).sum(dim=0).clamp(max=len(values) - 1)
    chosen = order.gather(0, index.unsqueeze(0))
    return flat.gather(0, chosen).reshape(values.shape[1:]).to(values.dtype)


def _need(background: Any, name: str) -> Inputs:
    if background is None:
        raise InputError(f"the {name!r} baseline needs background events")
    return _as_tuple(background)


@BASELINES.register("zero")
def zero(inputs: Inputs, **_: Any) -> Inputs:
    """All-zero baseline (the IG paper's 'blank' baseline)."""
    return tuple(torch.zeros_like(x[:1]) for x in inputs)


@BASELINES.register("mean", background=True, weighted=True)
def mean(inputs: Inputs, background: Any = None, weights: Any = None, **_: Any) -> Inputs:
    """Weighted mean of the background events, shared by every example."""
    parts = _need(background, "mean")
    w = _weights(weights, len(parts[0]))
    return tuple(
        (b.double() * w.reshape(-1, *[1] * (b.dim() - 1))).sum(0, keepdim=True).to(b.dtype)
        for b in parts
    )


@BASELINES.register("median", background=True, weighted=True)
def median(inputs: Inputs, background: Any = None, weights: Any = None, **_: Any) -> Inputs:
    """Weighted median of the background events, feature by feature."""
    parts = _need(background, "median")
    w = _weights(weights, len(parts[0]))
    return tuple(_weighted_median(b, w).unsqueeze(0) for b in parts)


def _read_k(
    rows: Callable[[torch.Tensor], Inputs],
    weights: torch.Tensor,
    k: int | None,
    generator: torch.Generator,
) -> AveragedBaseline | None:
    """The ``averaged`` baseline from only the K background rows it draws (the same draw as
    from all of them); None where it takes every row."""
    if k is None or not 1 <= k < len(weights):
        return None
    chosen = torch.randperm(len(weights), generator=generator)[:k]
    return AveragedBaseline(rows(chosen), weights[chosen])


@BASELINES.register(
    "averaged", background=True, weighted=True, read=_read_k, scored=("uniform", "xsec")
)
def averaged(
    inputs: Inputs,
    background: Any = None,
    weights: Any = None,
    k: int | None = 16,
    generator: torch.Generator | None = None,
    **_: Any,
) -> AveragedBaseline:
    """K background events drawn without replacement (all if K is None), with their weights."""
    parts = _need(background, "averaged")
    if k is not None and (not isinstance(k, int) or k < 1):
        raise InputError(f"the averaged baseline needs k >= 1 background events, got {k!r}")
    total = len(parts[0])
    w = _weights(weights, total)
    if k is None or k >= total:
        chosen = torch.arange(total)
    else:
        where = generator_device(generator)
        chosen = torch.randperm(total, generator=generator, device=where)[:k].to(parts[0].device)
    return AveragedBaseline(tuple(b[chosen] for b in parts), w[chosen])


def _ranges(background: Inputs) -> Inputs:
    """What ``uniform`` needs of the background: each feature's minimum and maximum."""
    return tuple(torch.stack([b.min(dim=0).values, b.max(dim=0).values]) for b in background)


@BASELINES.register("uniform", background=True, per_jet=True, keep=_ranges)
def uniform(
    inputs: Inputs, background: Any = None, generator: torch.Generator | None = None, **_: Any
) -> Inputs:
    """One baseline per example, uniform in [min, max] of each background feature."""
    parts = _need(background, "uniform")
    out = []
    for x, b in zip(inputs, parts, strict=True):
        low, high = b.min(dim=0).values.to(x.device), b.max(dim=0).values.to(x.device)
        where = generator_device(generator)
        noise = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=where).to(x.device)
        out.append(low + noise * (high - low))
    return tuple(out)


def build(
    name: str, inputs: torch.Tensor | Sequence[torch.Tensor], **options: Any
) -> Inputs | AveragedBaseline:
    """The baseline ``name`` for ``inputs`` (see the module docs for the options)."""
    return BASELINES[name](_as_tuple(inputs), **options)
