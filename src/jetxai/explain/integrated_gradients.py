"""Integrated Gradients with exact, batched averaging over baselines.

    φ_i(f, x, x′) = (x_i − x′_i) ∫₀¹ ∂f(x′ + α (x − x′)) / ∂x_i dα          (Sundararajan et al.)
    φ_i(f, x)     = Σ_k w_k φ_i(f, x, x′_k)          (averaged baseline, arXiv:2412.13864)

The integral uses a quadrature (:mod:`.quadrature`): a fixed one for every example, or a nested
trapezoid rule refined per example until the completeness delta is small (``n_steps="auto"``).
All (example, baseline, step) points go through the network in chunks of ``batch_size`` points
and are accumulated in float64; the result does not depend on the chunk size. The convergence
delta is Σ_i φ_i − (f(x) − Σ_k w_k f(x′_k)) per example; masks in ``additional_forward_args``
belong to the example and are used for every point on its paths.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

import numpy as np
import torch

from jetxai._quiet import bar_disabled
from jetxai.errors import InputError
from jetxai.explain import baselines as baseline_registry
from jetxai.explain import exact_paths
from jetxai.explain._common import (
    METHODS,
    Inputs,
    NonFiniteAttributionWarning,
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
#: Adaptive steps: the nested rule, its first number of intervals, the default relative
#: tolerance on the completeness delta, and an absolute floor (logit units) for examples whose
#: f(x) − f(x′) is about 0.
NESTED = "riemann_trapezoid"
AUTO_FIRST = 4
DEFAULT_TOLERANCE = 0.01
ABSOLUTE_FLOOR = 1e-6


class IGConvergenceWarning(UserWarning):
    """Adaptive Integrated Gradients left some examples' completeness delta above the
    tolerance at ``max_steps``."""


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
            s.unsqueeze(0).to(device=x.device, dtype=x.dtype)
            for s, x in zip(samples, inputs, strict=True)
        ), weights
    given = (baselines,) if isinstance(baselines, torch.Tensor | float | int) else tuple(baselines)
    if len(given) != len(inputs):
        raise InputError(f"{len(inputs)} inputs but {len(given)} baselines")
    out = []
    for x, b in zip(inputs, given, strict=True):
        b = torch.as_tensor(b, dtype=x.dtype, device=x.device)
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


def _accumulate(
    model: torch.nn.Module,
    inputs: Inputs,
    base: Inputs,
    weights: torch.Tensor,
    target: Any,
    extra: Inputs,
    examples: torch.Tensor,
    alphas: np.ndarray,
    quad: np.ndarray,
    batch_size: int,
    result: Inputs,
) -> None:
    """Add Σ_k w_k Σ_m v_m ∇f(x′_k + α_m (x − x′_k)) ⊙ (x − x′_k) to the rows ``examples`` of
    the float64 ``result``: every (example, baseline, node) point in chunks of ``batch_size``."""
    n, k, steps = len(inputs[0]), len(weights), len(alphas)
    device = inputs[0].device  # every index and weight lives where the inputs do (CPU or GPU)
    alphas_t = torch.as_tensor(alphas, device=device)
    coefficient = weights.to(device).reshape(k, 1) * torch.as_tensor(quad, device=device).reshape(
        1, -1
    )
    examples = examples.to(device)
    total = len(examples) * k * steps
    for start in range(0, total, batch_size):
        flat = torch.arange(start, min(start + batch_size, total), device=device)
        ex, kk, mm = examples[flat // (k * steps)], (flat // steps) % k, flat % steps
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
        bar = _BAR.get()
        if bar is not None:
            bar.update(len(flat))


def _difference(
    model: torch.nn.Module,
    inputs: Inputs,
    base: Inputs,
    weights: torch.Tensor,
    target: Any,
    extra: Inputs,
    batch_size: int,
) -> torch.Tensor:
    """f(x) − Σ_k w_k f(x′_k) per example (float64): what the attributions must add up to."""
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
    return f_x - expected


def _summed(attributions: Inputs) -> torch.Tensor:
    """Σ_i φ_i per example."""
    n = len(attributions[0])
    return sum(a.double().reshape(n, -1).sum(dim=1) for a in attributions)  # type: ignore[return-value]


def _adaptive(
    model: torch.nn.Module,
    inputs: Inputs,
    base: Inputs,
    weights: torch.Tensor,
    target: Any,
    extra: Inputs,
    first: int,
    max_steps: int,
    tolerance: float,
    batch_size: int,
) -> tuple[Inputs, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Nested trapezoid rule refined per example: (float64 attributions, delta, intervals used,
    f(x) − f̄(x′)).

    Each example starts with ``first`` intervals; while |δ| > tolerance · |f(x) − f̄(x′)| +
    :data:`ABSOLUTE_FLOOR`, its number of intervals doubles, evaluating only the new midpoints
    (every earlier gradient is reused), up to ``max_steps``.
    """
    n = len(inputs[0])
    device = inputs[0].device
    goal = _difference(model, inputs, base, weights, target, extra, batch_size)
    allowed = tolerance * goal.abs() + ABSOLUTE_FLOOR
    raw = tuple(torch.zeros(x.shape, dtype=torch.float64, device=device) for x in inputs)
    intervals = torch.full((n,), first, dtype=torch.int64, device=device)
    active = torch.arange(n, device=device)
    alphas = np.arange(first + 1) / first
    quad = np.ones(first + 1)
    quad[[0, -1]] = 0.5  # Σ_m v_m g(α_m) / n is the trapezoid rule with n intervals
    steps = first
    while True:
        _accumulate(
            model, inputs, base, weights, target, extra, active, alphas, quad, batch_size, raw
        )
        scale = intervals.double()
        attributions = tuple(r / scale.reshape((-1,) + (1,) * (r.dim() - 1)) for r in raw)
        delta = _summed(attributions) - goal
        active = torch.nonzero(delta.abs() > allowed).flatten()
        if not len(active) or steps >= max_steps:
            return attributions, delta, intervals, goal
        alphas = (np.arange(steps) + 0.5) / steps  # the midpoints of the current intervals
        quad = np.ones(steps)
        steps *= 2
        intervals[active] = steps


@METHODS.register("ig")
def integrated_gradients(
    model: torch.nn.Module,
    inputs: torch.Tensor | Sequence[torch.Tensor],
    target: int | torch.Tensor | None = None,
    baselines: Any = None,
    n_steps: int | str = 50,
    method: str | None = None,
    additional_forward_args: Sequence[torch.Tensor] | None = None,
    return_convergence_delta: bool = False,
    batch_size: int | None = None,
    tolerance: float | None = None,
    max_steps: int = 1024,
    baseline_options: dict[str, Any] | None = None,
    return_steps: bool = False,
    hold: Sequence[int] = (),
    progress: bool | None = None,
) -> Any:
    """Integrated Gradients of ``model`` at ``inputs``.

    ``hold``: positions of inputs held at the explained example's own value along the whole
    path (their attributions are 0 and their gradient is never taken), so the others are
    attributed with them fixed — e.g. weaver's ParT with its four-vectors held at the explained
    jet, whose pair features take logarithms that interpolated or padded four-vectors make NaN.
    ``progress``: a bar in model evaluations (on a terminal or in a notebook; None: only for
    work of at least :data:`BAR_BATCHES` batches).

    ``baselines``: None (zero), a tensor broadcastable to the input (shared or per example), a
    tuple of such for multi-input models, an :class:`AveragedBaseline`, or a registered name
    resolved with ``baseline_options`` (e.g. ``"averaged", baseline_options={"background": bkg,
    "weights": xsec, "k": 16}``). With ``target=None`` a multi-logit model is explained for the
    class predicted at the input, on the whole path.

    Steps: an integer ``n_steps`` is a fixed rule (``method``, default Gauss–Legendre) for every
    example. ``n_steps="auto"`` (or any ``tolerance``) adapts them per example: a nested
    trapezoid rule starting at :data:`AUTO_FIRST` intervals (or the integer ``n_steps``) doubles
    an example's intervals, reusing every gradient already taken, until its |convergence delta|
    ≤ ``tolerance`` · |f(x) − Σ_k w_k f(x′_k)| + :data:`ABSOLUTE_FLOOR` (``tolerance`` default
    :data:`DEFAULT_TOLERANCE`) or ``max_steps``; examples left above it are counted in an
    :class:`IGConvergenceWarning`. ``n_steps="exact"`` integrates a piecewise-linear network
    (affine layers, ReLUs, max pooling: the dnn, PFN and CNN taggers) piece by piece between the
    kinks on each path (:mod:`.exact_paths`): no quadrature error, completeness to float64
    round-off; a model with a smooth or multiplicative non-linearity is refused by name.
    ``return_steps`` appends the intervals (fixed steps; with ``"exact"`` the linear pieces
    summed over the example's baselines) used per example to what is returned:
    attributions[, delta][, steps].
    """
    tensors, single = as_inputs(inputs)
    extra = tuple(additional_forward_args or ())
    if hold:  # the other options, passed on to the attributed inputs' IG
        options = {"target": target, "n_steps": n_steps, "method": method, "batch_size": batch_size,
                   "tolerance": tolerance, "max_steps": max_steps, "return_steps": return_steps,
                   "return_convergence_delta": return_convergence_delta,
                   "progress": progress}  # fmt: skip
        return _held(model, tensors, extra, baselines, dict(baseline_options or {}), hold, options)
    base, weights = _resolve(baselines, tensors, dict(baseline_options or {}))
    chunk = batch_size or DEFAULT_BATCH
    if chunk < 1:
        raise InputError(f"batch_size must be at least 1, got {chunk}")
    exact = n_steps == "exact"
    adaptive, first, tolerance = _steps(n_steps, tolerance, method, max_steps)
    target = fixed_target(model, tensors, extra, target, chunk)
    n, device = len(tensors[0]), tensors[0].device
    if not n:  # an empty batch: empty attributions (and deltas, steps)
        empty = tuple(torch.zeros_like(x) for x in tensors)
        none = torch.zeros(0, dtype=torch.float64, device=device)
        return _returned(empty, single, none, none.long(), return_convergence_delta, return_steps)
    work = n * len(weights) * (first if not adaptive else 2 * first)
    show = progress if progress is not None else work >= BAR_BATCHES * chunk
    bar = _progress_bar(None if adaptive or exact else work, show)
    token = _BAR.set(bar)
    delta: torch.Tensor | None
    try:
        if exact:
            raw, goal, steps = exact_paths.exact(
                model, tensors, base, weights, target, extra, chunk, bar.update
            )
            delta = _summed(raw) - goal
            _warn_inexact(delta, goal)
        else:
            raw, delta, steps = _integrate(
                model, tensors, base, weights, target, extra, adaptive, first, max_steps,
                tolerance, method, chunk, return_convergence_delta,
            )  # fmt: skip
    finally:
        _BAR.reset(token)
        bar.close()
    attributions = tuple(r.to(x.dtype) for r, x in zip(raw, tensors, strict=True))

    def why(index: int) -> str:
        return _why_not_finite(model, tensors, base, weights, target, extra, baselines, index)

    return _returned(
        attributions, single, delta, steps, return_convergence_delta, return_steps, why
    )


def _integrate(
    model: torch.nn.Module,
    tensors: Inputs,
    base: Inputs,
    weights: torch.Tensor,
    target: Any,
    extra: Inputs,
    adaptive: bool,
    first: int,
    max_steps: int,
    tolerance: float | None,
    method: str | None,
    chunk: int,
    with_delta: bool,
) -> tuple[Inputs, torch.Tensor | None, torch.Tensor]:
    """(float64 attributions, delta or None, steps per example) with fixed or adaptive steps."""
    n, device = len(tensors[0]), tensors[0].device
    if adaptive:
        assert tolerance is not None
        raw, delta, steps, difference = _adaptive(
            model, tensors, base, weights, target, extra, first, max_steps, tolerance, chunk
        )
        _warn_unconverged(delta, difference, tolerance, max_steps)
    else:
        alphas, quad = nodes(method or "gausslegendre", first)
        raw = tuple(torch.zeros(x.shape, dtype=torch.float64, device=device) for x in tensors)
        every = torch.arange(n, device=device)
        _accumulate(model, tensors, base, weights, target, extra, every, alphas, quad, chunk, raw)
        steps = torch.full((n,), first, dtype=torch.int64, device=device)
        delta = None
        if with_delta:
            delta = _summed(raw) - _difference(model, tensors, base, weights, target, extra, chunk)
    return raw, delta, steps


def _steps(
    n_steps: int | str, tolerance: float | None, method: str | None, max_steps: int
) -> tuple[bool, int, float | None]:
    """(adaptive, first steps, tolerance) of the step options, checked."""
    if n_steps == "exact":
        if tolerance is not None or method is not None:
            raise InputError("n_steps='exact' takes no tolerance or quadrature method")
        return False, 1, None
    adaptive = n_steps == "auto" or tolerance is not None
    if n_steps == "auto":
        first = AUTO_FIRST
    elif isinstance(n_steps, int) and not isinstance(n_steps, bool) and n_steps >= 1:
        first = n_steps
    else:
        raise InputError(f"n_steps must be a positive integer, 'auto' or 'exact', got {n_steps!r}")
    if adaptive:
        tolerance = DEFAULT_TOLERANCE if tolerance is None else tolerance
        if not tolerance > 0:
            raise InputError(f"tolerance must be positive, got {tolerance!r}")
        if method not in (None, NESTED):
            raise InputError(
                f"adaptive steps reuse earlier gradients only with the nested {NESTED} rule; "
                f"drop method={method!r} or give a fixed n_steps"
            )
        if max_steps < first:
            raise InputError(f"max_steps ({max_steps}) is below the first steps ({first})")
    return adaptive, first, tolerance


def _warn_unconverged(
    delta: torch.Tensor, difference: torch.Tensor, tolerance: float, max_steps: int
) -> None:
    """An :class:`IGConvergenceWarning` counting the examples whose delta stayed too large."""
    left = delta.abs() > tolerance * difference.abs() + ABSOLUTE_FLOOR
    if bool(left.any()):
        worst = float((delta.abs() / (difference.abs() + ABSOLUTE_FLOOR))[left].max())
        warnings.warn(
            f"{int(left.sum())} of {len(delta)} examples kept |delta| above {tolerance:g} "
            f"|f(x) - f(x')| at max_steps={max_steps} (largest relative delta {worst:.2g}); "
            "raise max_steps or check the model for discontinuities on the path",
            IGConvergenceWarning,
            stacklevel=4,
        )


#: Exact steps: the |delta| / |f(x) − f̄(x′)| above which a path was not piecewise linear after
#: all (float64 round-off is ~1e-12 on the demo's taggers).
EXACT_TOLERANCE = 1e-7


def _warn_inexact(delta: torch.Tensor, difference: torch.Tensor) -> None:
    """An :class:`IGConvergenceWarning` for exact steps whose completeness is off: the network
    has a kink that no layer declared."""
    off = delta.abs() > EXACT_TOLERANCE * difference.abs() + ABSOLUTE_FLOOR
    if bool(off.any()):
        worst = float((delta.abs() / (difference.abs() + ABSOLUTE_FLOOR))[off].max())
        warnings.warn(
            f"n_steps='exact' left {int(off.sum())} of {len(delta)} examples with |delta| above "
            f"{EXACT_TOLERANCE:g} |f(x) - f(x')| (largest {worst:.2g}): the network bends where "
            "no ReLU or pooling layer says so",
            IGConvergenceWarning,
            stacklevel=4,
        )


def _returned(
    attributions: Inputs,
    single: bool,
    delta: torch.Tensor | None,
    steps: torch.Tensor,
    with_delta: bool,
    with_steps: bool,
    why: Any = None,
) -> Any:
    """attributions[, delta][, steps] as the caller asked."""
    result = shaped(attributions, single, why)
    if not with_delta and not with_steps:
        return result
    return (result,) + ((delta,) if with_delta else ()) + ((steps,) if with_steps else ())


#: Batches of model evaluations from which IG shows a bar by default.
BAR_BATCHES = 20
#: The bar of the IG call in progress (None: none), updated per batch of model evaluations.
_BAR: ContextVar[Any] = ContextVar("ig_bar", default=None)


def _progress_bar(total: int | None, show: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=total, desc="integrated gradients", unit="point", unit_scale=True,
        disable=bar_disabled(show), leave=False,
    )  # fmt: skip


class _Holding(torch.nn.Module):
    """``model`` called with the attributed inputs first and the held ones after them (among
    the additional arguments), each put back at its own position."""

    piecewise_linear = True

    def __init__(self, model: torch.nn.Module, n_inputs: int, held: Sequence[int]) -> None:
        super().__init__()
        self.model, self.n_inputs, self.held = model, n_inputs, tuple(held)

    def forward(self, *args: torch.Tensor) -> torch.Tensor:
        n_free = self.n_inputs - len(self.held)
        free, held, extra = args[:n_free], args[n_free : self.n_inputs], args[self.n_inputs :]
        by_position = dict(zip(self.held, held, strict=True))
        rest = iter(free)
        ordered = [by_position[i] if i in by_position else next(rest) for i in range(self.n_inputs)]
        result: torch.Tensor = self.model(*ordered, *extra)
        return result


def _held(
    model: torch.nn.Module,
    tensors: Inputs,
    extra: Inputs,
    baselines: Any,
    baseline_options: dict[str, Any],
    hold: Sequence[int],
    options: dict[str, Any],
) -> Any:
    """IG with the inputs at ``hold`` held at the explained values: the others are attributed
    through :class:`_Holding` against their own baselines; the held ones get zeros."""
    held = sorted({int(i) for i in hold})
    if any(not 0 <= i < len(tensors) for i in held) or len(held) == len(tensors):
        raise InputError(
            f"hold must name some (not all) of the {len(tensors)} inputs by position, got {hold}"
        )
    free = [i for i in range(len(tensors)) if i not in held]
    base, weights = _resolve(baselines, tensors, baseline_options)
    chosen: Any = (  # base: (1 or N, K, *shape) per input
        AveragedBaseline(tuple(base[i][0] for i in free), weights)
        if len(weights) > 1
        else tuple(base[i][:, 0] for i in free)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NonFiniteAttributionWarning)
        result = integrated_gradients(
            _Holding(model, len(tensors), held),
            tuple(tensors[i] for i in free),
            baselines=chosen,
            additional_forward_args=(*(tensors[i] for i in held), *extra),
            **options,
        )
    for warning in caught:  # the attributed inputs' warnings, by their own positions
        message = str(warning.message)
        if issubclass(warning.category, NonFiniteAttributionWarning):
            message = _renumbered(message, free, held)
        warnings.warn(message, warning.category, stacklevel=3)
    more = options["return_convergence_delta"] or options["return_steps"]
    attributed, rest = (result[0], result[1:]) if more else (result, ())
    full = list(attributed)
    for i in held:
        full.insert(i, torch.zeros_like(tensors[i]))
    return (tuple(full), *rest) if more else tuple(full)


def _renumbered(message: str, free: list[int], held: list[int]) -> str:
    """A non-finite warning of the inner, held IG call with the input numbered as the caller
    gave it, and its hint holding that input beside those already held."""
    import re

    found = re.match(r"attributions of input (\d+)", message)
    if found is None:
        return message
    index = free[int(found.group(1))]
    message = f"attributions of input {index}" + message[found.end() :]
    hold = ", ".join(str(i) for i in sorted([*held, index]))
    return re.sub(r"hold=\([\d, ]*\)", f"hold=({hold},)", message)


def _why_not_finite(
    model: torch.nn.Module,
    tensors: Inputs,
    base: Inputs,
    weights: torch.Tensor,
    target: Any,
    extra: Inputs,
    baselines: Any,
    index: int,
) -> str:
    """Why input ``index``'s attributions are not finite: which baseline, and where on its path
    (at the input, at the baseline, or only between them; probed on the first examples against
    the first baseline sample), with the recipe that avoids it."""
    if baselines is None:
        named = "the zero baseline"
    elif isinstance(baselines, str):
        named = f"the {baselines!r} baseline"
    elif isinstance(baselines, AveragedBaseline):
        named = f"an averaged baseline of {len(weights)} background samples"
    else:
        named = "the baseline given"
    rows = torch.arange(min(len(tensors[0]), 8), device=tensors[0].device)
    ends = {}
    for alpha in (0.0, 1.0):
        points = tuple(
            b[rows if len(b) > 1 else torch.zeros_like(rows), 0] * (1 - alpha) + x[rows] * alpha
            for x, b in zip(tensors, base, strict=True)
        )
        grads, _ = gradients(
            model, points, tuple(e[rows] for e in extra), target_rows(target, rows)
        )
        ends[alpha] = bool(torch.isfinite(grads[index]).all())
    where = (
        "already at the explained inputs themselves"
        if not ends[1.0]
        else "at the baseline"
        if not ends[0.0]
        else "between the baseline and the input (on the path)"
    )
    hint = (
        f"; to attribute the other inputs with this one held at the explained values, pass "
        f"hold=({index},)"
        if len(tensors) > 1
        else ""
    )
    return (
        f"with {named}, the model's gradient with respect to it is NaN or infinite {where} "
        "(typically a logarithm or square root of interpolated or padded, zero, entries)" + hint
    )
