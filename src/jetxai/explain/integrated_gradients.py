"""Integrated Gradients with exact, batched averaging over baselines.

    φ_i(f, x, x′) = (x_i − x′_i) ∫₀¹ ∂f(x′ + α (x − x′)) / ∂x_i dα          (Sundararajan et al.)
    φ_i(f, x)     = Σ_k w_k φ_i(f, x, x′_k)          (averaged baseline, arXiv:2412.13864)

The integral uses a quadrature (:mod:`.quadrature`). All (example, baseline, step) points go
through the network in chunks of ``batch_size`` points and are accumulated in float64; the result
does not depend on the chunk size. The convergence delta is
Σ_i φ_i − (f(x) − Σ_k w_k f(x′_k)) per example; masks in ``additional_forward_args`` belong to the
example and are used for every point on its paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from jetxai.errors import InputError
from jetxai.explain import baselines as baseline_registry
from jetxai.explain._common import (
    Inputs,
    as_inputs,
    fixed_target,
    forward,
    gradients,
    shaped,
    target_rows,
)
from jetxai.explain.baselines import AveragedBaseline
from jetxai.explain.quadrature import nodes

#: Points per forward/backward pass unless ``batch_size`` says otherwise.
DEFAULT_BATCH = 4096


def _resolve(
    baselines: Any, inputs: Inputs, options: dict[str, Any]
) -> tuple[Inputs, torch.Tensor]:
    """Baselines as per-input tensors of shape (1 or N, K, *shape) and weights (K,)."""
    if isinstance(baselines, str):
        baselines = baseline_registry.build(baselines, inputs, **options)
    elif options:
        raise InputError("baseline_options only apply to a baseline given by name")
    if baselines is None:
        baselines = baseline_registry.zero(inputs)
    if isinstance(baselines, AveragedBaseline):
        samples = baselines.as_tuple()
        for x, s in zip(inputs, samples, strict=True):
            if s.shape[1:] != x.shape[1:]:
                raise InputError(
                    f"baseline samples {tuple(s.shape[1:])} do not fit inputs {tuple(x.shape[1:])}"
                )
        weights = baselines.weights
        assert weights is not None
        return tuple(
            s.unsqueeze(0).to(x.dtype) for s, x in zip(samples, inputs, strict=True)
        ), weights
    given = (baselines,) if isinstance(baselines, torch.Tensor | float | int) else tuple(baselines)
    if len(given) != len(inputs):
        raise InputError(f"{len(inputs)} inputs but {len(given)} baselines")
    out = []
    for x, b in zip(inputs, given, strict=True):
        b = torch.as_tensor(b, dtype=x.dtype)
        if b.dim() < x.dim():  # a scalar, or one baseline without the example axis
            b = b.reshape((1,) * (x.dim() - b.dim()) + tuple(b.shape))
        try:
            b = torch.broadcast_to(b, (len(b), *tuple(x.shape[1:])))
        except RuntimeError:
            b = b.new_empty(0)
        if b.dim() != x.dim() or len(b) not in (1, len(x)):
            raise InputError(f"a baseline does not fit input of shape {tuple(x.shape)}")
        out.append(b.unsqueeze(1))
    return tuple(out), torch.ones(1, dtype=torch.float64)


def _attribute(
    model: torch.nn.Module,
    inputs: Inputs,
    base: Inputs,
    weights: torch.Tensor,
    target: Any,
    extra: Inputs,
    n_steps: int,
    method: str,
    batch_size: int,
) -> Inputs:
    n, k = len(inputs[0]), len(weights)
    device = inputs[0].device  # every index and weight lives where the inputs do (CPU or GPU)
    alphas, quad = nodes(method, n_steps)
    alphas_t = torch.as_tensor(alphas, device=device)
    weights = weights.to(device)
    coefficient = weights.reshape(k, 1) * torch.as_tensor(quad, device=device).reshape(1, -1)
    total = n * k * n_steps
    result = [torch.zeros(x.shape, dtype=torch.float64, device=x.device) for x in inputs]
    for start in range(0, total, batch_size):
        flat = torch.arange(start, min(start + batch_size, total), device=device)
        ex, kk, mm = flat // (k * n_steps), (flat // n_steps) % k, flat % n_steps
        points, diffs = [], []
        for x, b in zip(inputs, base, strict=True):
            origin = b[ex if len(b) == n else torch.zeros_like(ex), kk]
            diff = x[ex] - origin
            shape = (-1,) + (1,) * (x.dim() - 1)
            points.append(origin + alphas_t[mm].to(x.dtype).reshape(shape) * diff)
            diffs.append(diff)
        grads, _ = gradients(
            model, tuple(points), tuple(e[ex] for e in extra), target_rows(target, ex)
        )
        scale = coefficient[kk, mm]
        for r, g, d in zip(result, grads, diffs, strict=True):
            contribution = g.double() * d.double() * scale.reshape((-1,) + (1,) * (g.dim() - 1))
            r.index_add_(0, ex, contribution)
    return tuple(r.to(x.dtype) for r, x in zip(result, inputs, strict=True))


def _delta(
    model: torch.nn.Module,
    inputs: Inputs,
    base: Inputs,
    weights: torch.Tensor,
    attributions: Inputs,
    target: Any,
    extra: Inputs,
    batch_size: int,
) -> torch.Tensor:
    n, k = len(inputs[0]), len(weights)
    device = inputs[0].device
    weights = weights.to(device)
    f_x = torch.cat(
        [
            forward(
                model,
                tuple(x[s : s + batch_size] for x in inputs),
                tuple(e[s : s + batch_size] for e in extra),
                target_rows(target, torch.arange(s, min(s + batch_size, n), device=device)),
            )
            for s in range(0, n, batch_size)
        ]
    ).double()
    expected = torch.zeros(n, dtype=torch.float64, device=device)
    for start in range(0, n * k, batch_size):
        flat = torch.arange(start, min(start + batch_size, n * k), device=device)
        ex, kk = flat // k, flat % k
        points = tuple(b[ex if len(b) == n else torch.zeros_like(ex), kk] for b in base)
        f_b = forward(model, points, tuple(e[ex] for e in extra), target_rows(target, ex)).double()
        expected.index_add_(0, ex, weights[kk] * f_b)
    total = sum(a.double().reshape(n, -1).sum(dim=1) for a in attributions)
    return total - (f_x - expected)


def integrated_gradients(
    model: torch.nn.Module,
    inputs: torch.Tensor | Sequence[torch.Tensor],
    target: int | torch.Tensor | None = None,
    baselines: Any = None,
    n_steps: int = 50,
    method: str = "gausslegendre",
    additional_forward_args: Sequence[torch.Tensor] | None = None,
    return_convergence_delta: bool = False,
    batch_size: int | None = None,
    tolerance: float | None = None,
    max_steps: int = 1024,
    baseline_options: dict[str, Any] | None = None,
) -> Any:
    """Integrated Gradients of ``model`` at ``inputs``.

    ``baselines``: None (zero), a tensor broadcastable to the input (shared or per example), a
    tuple of such for multi-input models, an :class:`AveragedBaseline`, or a registered name
    resolved with ``baseline_options`` (e.g. ``"averaged", baseline_options={"background": bkg,
    "weights": xsec, "k": 16}``). With ``tolerance``, ``n_steps`` doubles (up to ``max_steps``)
    until every example's |convergence delta| is at most ``tolerance``. With ``target=None`` a
    multi-logit model is explained for the class predicted at the input, on the whole path.
    """
    tensors, single = as_inputs(inputs)
    extra = tuple(additional_forward_args or ())
    base, weights = _resolve(baselines, tensors, dict(baseline_options or {}))
    chunk = batch_size or DEFAULT_BATCH
    if chunk < 1:
        raise InputError(f"batch_size must be at least 1, got {chunk}")
    if not isinstance(n_steps, int) or n_steps < 1:
        raise InputError(f"n_steps must be a positive integer, got {n_steps!r}")
    target = fixed_target(model, tensors, extra, target, chunk)
    if not len(tensors[0]):  # an empty batch: empty attributions (and deltas)
        empty = tuple(torch.zeros_like(x) for x in tensors)
        if return_convergence_delta:
            return shaped(empty, single), torch.zeros(
                0, dtype=torch.float64, device=empty[0].device
            )
        return shaped(empty, single)
    steps = n_steps
    while True:
        attributions = _attribute(
            model, tensors, base, weights, target, extra, steps, method, chunk
        )
        if tolerance is None and not return_convergence_delta:
            return shaped(attributions, single)
        delta = _delta(model, tensors, base, weights, attributions, target, extra, chunk)
        if tolerance is None or float(delta.abs().max()) <= tolerance or steps >= max_steps:
            break
        steps = min(2 * steps, max_steps)
    if return_convergence_delta:
        return shaped(attributions, single), delta
    return shaped(attributions, single)
