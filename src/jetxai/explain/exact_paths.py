"""Integrated Gradients without quadrature error on piecewise-linear networks.

A network made of affine maps, ReLUs and max pooling is piecewise linear in its inputs, so along
the straight path γ(α) = x′ + α (x − x′) its gradient is constant between the points where some
ReLU's input changes sign or some pooling window's largest entry changes. Between two such
points the integral of ∇f(γ(α)) is the gradient times the interval's length, exactly:

    φ_i = (x_i − x′_i) Σ_pieces (α_end − α_start) ∂f/∂x_i |inside the piece

The pieces are found as IG walks the path: just past the start of a piece, a forward-mode pass
along the path's direction gives every kink's input z and its slope dz/dα; inside one piece
these are linear in α, so the next kink is the smallest positive −z / (dz/dα) (for a pooling
window, the first time another entry overtakes the largest). Every path of a batch walks at its
own pace; the gradient is taken once per piece. The walk runs on a float64 copy of the network,
so completeness holds to float64 round-off; a piece narrower than :data:`PROBE` in α is merged
into the next one.

Which networks qualify is read from the modules, not assumed: a module says so with a class
attribute ``piecewise_linear`` (True, or a string saying why not), or is one of the torch layers
in :data:`TORCH_LAYERS`; anything else is refused by name before any work is done.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import torch
import torch.autograd.forward_ad as forward_ad
from torch import nn

from jetxai.errors import InputError
from jetxai.explain._common import Inputs, forward, gradients, target_rows

#: Torch layers that are piecewise linear in their input (in eval mode), and the containers.
TORCH_LAYERS: tuple[type[nn.Module], ...] = (
    nn.Linear, nn.Identity, nn.Dropout, nn.Flatten, nn.Conv1d, nn.Conv2d,
    nn.BatchNorm1d, nn.BatchNorm2d, nn.ReLU, nn.LeakyReLU, nn.MaxPool2d,
    nn.Sequential, nn.ModuleList, nn.ModuleDict,
)  # fmt: skip
#: Layers whose input's sign (or, pooling, whose largest entry) decides the local linear map.
KINKS: tuple[type[nn.Module], ...] = (nn.ReLU, nn.LeakyReLU, nn.MaxPool2d)
#: How far past the start of a piece (in α) its slopes and gradient are taken.
PROBE = 1e-9
#: Pieces per path after which the walk stops and warns.
MAX_PIECES = 100_000


def why_not_piecewise_linear(model: nn.Module) -> str | None:
    """Why exact IG cannot integrate ``model`` (None: it can): the first module that is not
    known to be piecewise linear, or a layer left in training mode."""
    for name, module in model.named_modules():
        label = f"{name or 'the model'} ({type(module).__name__})"
        declared = getattr(type(module), "piecewise_linear", None)
        if isinstance(declared, str):
            return f"{label}: {declared}"
        if declared is not True and not isinstance(module, TORCH_LAYERS):
            return f"{label} is not known to be piecewise linear"
        if module.training and isinstance(module, nn.Dropout | nn.BatchNorm1d | nn.BatchNorm2d):
            return f"{label} is in training mode (call model.eval() first)"
        if isinstance(module, nn.MaxPool2d):
            kernel = module.kernel_size
            if (
                module.stride != kernel
                or module.padding not in (0, (0, 0))
                or module.dilation not in (1, (1, 1))
                or module.ceil_mode
            ):
                return (
                    f"{label}: only non-overlapping pooling (stride = kernel, no padding) is walked"
                )
    return None


def _float64(tensors: Inputs) -> Inputs:
    return tuple(t.double() if t.is_floating_point() else t for t in tensors)


class _Kinks:
    """Forward pre-hooks on a network's kink layers that, during a forward-mode pass, turn
    each layer's input and its slope along the path into the distance (in α) to its next kink,
    reduced to the smallest per path."""

    def __init__(self, net: nn.Module) -> None:
        self.until: torch.Tensor | None = None
        self.handles = [
            module.register_forward_pre_hook(self._hook(module))
            for module in net.modules()
            if isinstance(module, KINKS)
        ]

    def _hook(self, module: nn.Module) -> Callable[[nn.Module, tuple[Any, ...]], None]:
        def hook(_: nn.Module, args: tuple[Any, ...]) -> None:
            value, slope = forward_ad.unpack_dual(args[0])
            if slope is None or self.until is None:  # the input does not move along the path
                return
            if value.shape[0] != len(self.until):
                raise InputError(
                    f"{type(module).__name__} sees {value.shape[0]} rows for {len(self.until)} "
                    "paths: exact IG needs layers that keep the batch axis first"
                )
            if isinstance(module, nn.MaxPool2d):
                distance = _pool_distance(value, slope, module)
            else:
                distance = torch.where(value * slope < 0, -value / slope, torch.inf)
            self.until = torch.minimum(self.until, distance.reshape(len(value), -1).amin(dim=1))

        return hook

    def distance(
        self, net: nn.Module, points: Inputs, directions: Inputs, extra: Inputs
    ) -> torch.Tensor:
        """α from ``points`` to the next kink of each path (inf: none before the path ends)."""
        self.until = torch.full((len(points[0]),), torch.inf, dtype=torch.float64,
                                device=points[0].device)  # fmt: skip
        with warnings.catch_warnings(), torch.no_grad():
            # torch's first forward-mode pass scripts its decompositions, which it warns about
            warnings.simplefilter("ignore", DeprecationWarning)
            with forward_ad.dual_level():
                duals = tuple(
                    forward_ad.make_dual(p, d) for p, d in zip(points, directions, strict=True)
                )
                net(*duals, *extra)
        until, self.until = self.until, None
        return until

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def _pool_distance(value: torch.Tensor, slope: torch.Tensor, pool: nn.MaxPool2d) -> torch.Tensor:
    """Per window of a non-overlapping 2-d max pooling, the α until another entry overtakes the
    largest (inf: none does)."""
    k = pool.kernel_size if isinstance(pool.kernel_size, int) else pool.kernel_size[0]
    kw = pool.kernel_size if isinstance(pool.kernel_size, int) else pool.kernel_size[1]
    h, w = value.shape[-2] // k * k, value.shape[-1] // kw * kw

    def windows(t: torch.Tensor) -> torch.Tensor:
        t = t[..., :h, :w].unflatten(-2, (h // k, k)).unflatten(-1, (w // kw, kw))
        return t.movedim(-3, -2).flatten(-2)  # (..., H/k, W/kw, k·kw)

    v, s = windows(value), windows(slope)
    top = v.argmax(dim=-1, keepdim=True)
    v_top, s_top = v.gather(-1, top), s.gather(-1, top)
    catching_up = s > s_top
    distance = torch.where(
        catching_up, (v_top - v) / (s - s_top).where(catching_up, 1.0), torch.inf
    )
    return distance.amin(dim=-1)


def exact(
    model: nn.Module,
    inputs: Inputs,
    base: Inputs,
    weights: torch.Tensor,
    target: Any,
    extra: Inputs,
    batch_size: int,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[Inputs, torch.Tensor, torch.Tensor]:
    """(float64 attributions, f(x) − Σ_k w_k f(x′_k), linear pieces walked per example) of IG
    on the straight paths from the baselines ``base`` ((1 or N, K, *shape) per input, weights
    ``weights``) to ``inputs``, integrated piece by piece."""
    reason = why_not_piecewise_linear(model)
    if reason is not None:
        raise InputError(
            f"n_steps='exact' needs a piecewise-linear network, and {reason}; use n_steps='auto'"
        )
    net = copy.deepcopy(model).double()
    inputs, base, extra = _float64(inputs), _float64(base), _float64(extra)
    n, k, device = len(inputs[0]), len(weights), inputs[0].device
    weights = weights.to(device=device, dtype=torch.float64)
    alpha = torch.zeros(n * k, dtype=torch.float64, device=device)
    pieces = torch.zeros(n * k, dtype=torch.int64, device=device)
    raw = tuple(torch.zeros(x.shape, dtype=torch.float64, device=device) for x in inputs)
    active = torch.arange(n * k, device=device)
    kinks = _Kinks(net)
    try:
        while len(active) and int(pieces.max()) < MAX_PIECES:
            ends = torch.cat([
                _piece(net, kinks, inputs, base, weights, target, extra, rows, alpha, raw, on_batch)
                for rows in active.split(batch_size)
            ])  # fmt: skip
            alpha[active] = ends
            pieces[active] += 1
            active = active[ends < 1]
    finally:
        kinks.remove()
    if len(active):
        warnings.warn(
            f"{len(active)} paths still had kinks ahead after {MAX_PIECES} linear pieces; their "
            "attributions cover only the part of the path walked",
            UserWarning,
            stacklevel=4,
        )
    return (
        raw,
        _goal(net, inputs, base, weights, target, extra, batch_size),
        (pieces.reshape(n, k).sum(dim=1)),
    )


def _piece(
    net: nn.Module,
    kinks: _Kinks,
    inputs: Inputs,
    base: Inputs,
    weights: torch.Tensor,
    target: Any,
    extra: Inputs,
    paths: torch.Tensor,
    alpha: torch.Tensor,
    raw: Inputs,
    on_batch: Callable[[int], None] | None,
) -> torch.Tensor:
    """Walk the next linear piece of each of ``paths`` (from ``alpha``): add its gradient times
    its length to ``raw``, and return where each piece ends (1 at the path's end)."""
    n, k = len(inputs[0]), len(weights)
    examples, samples = paths // k, paths % k
    start = alpha[paths]
    probe = (start + PROBE).clamp(max=1.0)
    points, directions = [], []
    for x, b in zip(inputs, base, strict=True):
        origin = b[examples if len(b) == n else torch.zeros_like(examples), samples]
        direction = x[examples] - origin
        points.append(origin + probe.reshape((-1,) + (1,) * (x.dim() - 1)) * direction)
        directions.append(direction)
    rows = tuple(e[examples] for e in extra)
    end = (probe + kinks.distance(net, tuple(points), tuple(directions), rows)).clamp(max=1.0)
    grads, _ = gradients(net, tuple(points), rows, target_rows(target, examples))
    length = weights[samples] * (end - start)
    for r, g, d in zip(raw, grads, directions, strict=True):
        r.index_add_(0, examples, g * d * length.reshape((-1,) + (1,) * (g.dim() - 1)))
    if on_batch is not None:
        on_batch(len(paths))
    return end


def _goal(
    net: nn.Module,
    inputs: Inputs,
    base: Inputs,
    weights: torch.Tensor,
    target: Any,
    extra: Inputs,
    batch_size: int,
) -> torch.Tensor:
    """Σ_k w_k (f(x) − f(x′_k)) per example on the float64 network: what the attributions add
    up to."""
    n, k, device = len(inputs[0]), len(weights), inputs[0].device
    total = torch.zeros(n, dtype=torch.float64, device=device)
    for flat in torch.arange(n * k, device=device).split(batch_size):
        examples, samples = flat // k, flat % k
        rows, chosen = tuple(e[examples] for e in extra), target_rows(target, examples)
        origins = tuple(
            b[examples if len(b) == n else torch.zeros_like(examples), samples] for b in base
        )
        change = forward(net, tuple(x[examples] for x in inputs), rows, chosen) - forward(
            net, origins, rows, chosen
        )
        total.index_add_(0, examples, weights[samples] * change.double())
    return total
