"""Shared plumbing of the gradient-based methods: input structure, targets, batched gradients.

Targets (what Captum accepts): ``None`` (the single output, or — for a model with several
logits — the class predicted *at the input*, fixed once for every point a method evaluates),
an int or a 0-d integer tensor (one class for every example), or a list / 1-d integer tensor
with one class per example. Anything else is refused by name.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from jetxai._registry import Registry
from jetxai.errors import InputError

#: Every attribution method by name, registered at its definition; each takes
#: ``(model, inputs, target=, baselines=, additional_forward_args=, **options)``
#: (:func:`jetxai.explain.attribute`).
METHODS: Registry[Any] = Registry("method")

Inputs = tuple[torch.Tensor, ...]


def as_inputs(inputs: torch.Tensor | Sequence[torch.Tensor]) -> tuple[Inputs, bool]:
    """(tuple of inputs, whether a single tensor was given)."""
    single = isinstance(inputs, torch.Tensor)
    tensors = (inputs,) if single else tuple(inputs)
    if not tensors or not all(t.is_floating_point() for t in tensors):
        raise InputError(
            "attributed inputs must be floating point (masks go in additional_forward_args)"
        )
    if len({len(t) for t in tensors}) != 1:
        raise InputError("all inputs need the same number of examples")
    return tensors, single


def generator_device(generator: torch.Generator | None) -> torch.device:
    """Where ``generator`` draws its numbers (the CPU without one)."""
    return generator.device if generator is not None else torch.device("cpu")


class NonFiniteAttributionWarning(UserWarning):
    """Some attributions are NaN or infinite: the model's gradient is not finite somewhere the
    method evaluated it (a logarithm or square root at zero, often at a zero baseline)."""


def shaped(
    result: Sequence[torch.Tensor],
    single: bool,
    why: Callable[[int], str] | None = None,
) -> Any:
    """Outputs with the structure of the inputs; a :class:`NonFiniteAttributionWarning` names
    every input whose attributions are not all finite, with ``why(index)`` (the method's own
    account: which baseline, where on its path) or a generic cause."""
    for index, values in enumerate(result):
        bad = ~torch.isfinite(values)
        if bool(bad.any()):
            share = float(bad.double().mean())
            cause = (
                why(index)
                if why is not None
                else "the model's gradient is NaN or infinite where the method evaluated it "
                "(e.g. a log or sqrt at 0)"
            )
            warnings.warn(
                f"attributions of input {index} {tuple(values.shape[1:])} are not finite for "
                f"{share:.1%} of its entries: {cause}",
                NonFiniteAttributionWarning,
                stacklevel=3,
            )
    return result[0] if single else tuple(result)


Target = int | torch.Tensor | None


def check_target(target: Any, n: int) -> Target:
    """``target`` in canonical form: None, an int, or a (n,) int64 tensor of per-example classes."""
    if target is None:
        return None
    if isinstance(target, bool):
        raise InputError(f"target must be an int or integer tensor, got a bool ({target})")
    if isinstance(target, int | np.integer):
        return int(target)
    if isinstance(target, list | tuple):
        if not all(isinstance(t, int | np.integer) and not isinstance(t, bool) for t in target):
            raise InputError("a target list must hold one int per example")
        target = torch.tensor([int(t) for t in target], dtype=torch.int64)
    if not isinstance(target, torch.Tensor):
        raise InputError(
            f"target must be None, an int or integer tensor, got {type(target).__name__}"
        )
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise InputError(f"target must hold integer classes, got dtype {target.dtype}")
    if target.dim() == 0:
        return int(target)
    if target.dim() != 1 or len(target) != n:
        raise InputError(
            f"target of shape {tuple(target.shape)} does not fit {n} examples: give an int or "
            f"one class per example (shape ({n},))"
        )
    return target.to(torch.int64)


def select(output: torch.Tensor, target: Target) -> torch.Tensor:
    """The explained scalar per sample: the single output, the predicted class, or ``target``
    (already in the form :func:`check_target` gives)."""
    if output.dim() == 1:
        if isinstance(target, torch.Tensor):
            if bool((target != 0).any()):
                raise InputError("the model has a single output; target must be None or 0")
        elif target not in (None, 0):
            raise InputError("the model has a single output; target must be None or 0")
        return output
    classes = output.shape[1]
    if target is None:
        target = output.argmax(dim=1)
    if isinstance(target, int):
        if not 0 <= target < classes:
            raise InputError(f"target {target} is out of range for {classes} outputs")
        return output[:, target]
    if len(target) and (int(target.min()) < 0 or int(target.max()) >= classes):
        raise InputError(f"target classes must lie in [0, {classes}), got {target.tolist()}")
    return output.gather(1, target.reshape(-1, 1).to(output.device)).squeeze(1)


def fixed_target(
    model: torch.nn.Module, inputs: Inputs, extra: Inputs, target: Any, batch_size: int = 4096
) -> Target:
    """:func:`check_target`, with ``None`` on a multi-logit model replaced by the class each
    example's *input* is predicted as, so a path method explains one class along the path."""
    n = len(inputs[0])
    target = check_target(target, n)
    if target is not None or n == 0:
        return target
    with torch.no_grad():
        first = model(*(x[:1] for x in inputs), *(e[:1] for e in extra))
        if first.dim() == 1:
            return None
        return torch.cat(
            [
                model(
                    *(x[s : s + batch_size] for x in inputs),
                    *(e[s : s + batch_size] for e in extra),
                ).argmax(dim=1)
                for s in range(0, n, batch_size)
            ]
        ).cpu()


def target_rows(target: Target, rows: torch.Tensor) -> Target:
    """The target for a subset ``rows`` of the examples."""
    if isinstance(target, torch.Tensor):
        return target[rows.to(target.device)]
    return target


def gradients(
    model: torch.nn.Module, points: Inputs, extra: Inputs, target: Target
) -> tuple[Inputs, torch.Tensor]:
    """(∂f/∂points, f(points)) for one batch of points."""
    leaves = tuple(p.detach().requires_grad_(True) for p in points)
    with torch.enable_grad():
        out = select(model(*leaves, *extra), target)
        grads = torch.autograd.grad(out.sum(), leaves, allow_unused=True)
    return tuple(
        torch.zeros_like(p) if g is None else g for p, g in zip(leaves, grads, strict=True)
    ), out.detach()


def forward(model: torch.nn.Module, points: Inputs, extra: Inputs, target: Target) -> torch.Tensor:
    """f(points) without gradients."""
    with torch.no_grad():
        return select(model(*points, *extra), target)
