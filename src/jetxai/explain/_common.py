"""Shared plumbing of the gradient-based methods: input structure, targets, batched gradients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from jetxai.errors import InputError

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


def shaped(result: Sequence[torch.Tensor], single: bool) -> Any:
    """Outputs with the structure of the inputs."""
    return result[0] if single else tuple(result)


def select(output: torch.Tensor, target: int | torch.Tensor | None) -> torch.Tensor:
    """The explained scalar per sample: the single output, the predicted class, or ``target``."""
    if output.dim() == 1:
        if target not in (None, 0):
            raise InputError("the model has a single output; target must be None or 0")
        return output
    if target is None:
        target = output.argmax(dim=1)
    if isinstance(target, int):
        return output[:, target]
    return output.gather(1, torch.as_tensor(target).reshape(-1, 1).to(output.device)).squeeze(1)


def target_rows(target: int | torch.Tensor | None, rows: torch.Tensor) -> int | torch.Tensor | None:
    """The target for a subset ``rows`` of the examples."""
    if isinstance(target, torch.Tensor) and target.dim() > 0:
        return target[rows]
    return target


def gradients(
    model: torch.nn.Module, points: Inputs, extra: Inputs, target: int | torch.Tensor | None
) -> tuple[Inputs, torch.Tensor]:
    """(∂f/∂points, f(points)) for one batch of points."""
    leaves = tuple(p.detach().requires_grad_(True) for p in points)
    with torch.enable_grad():
        out = select(model(*leaves, *extra), target)
        grads = torch.autograd.grad(out.sum(), leaves, allow_unused=True)
    return tuple(
        torch.zeros_like(p) if g is None else g for p, g in zip(leaves, grads, strict=True)
    ), out.detach()


def forward(
    model: torch.nn.Module, points: Inputs, extra: Inputs, target: int | torch.Tensor | None
) -> torch.Tensor:
    """f(points) without gradients."""
    with torch.no_grad():
        return select(model(*points, *extra), target)
