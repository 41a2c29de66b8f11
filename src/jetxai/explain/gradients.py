"""Reference attribution methods, with the same call signature as Integrated Gradients.

- saliency: ∂f/∂x_i (signed; take |·| for the classic saliency map);
- gradient × input: x_i ∂f/∂x_i;
- SmoothGrad (Smilkov et al. 2017): the mean gradient at x + N(0, σ²) over ``n_samples`` draws
  (of the class predicted at x when ``target`` is None);
- expected gradients (Erion et al. 2021):
  E_{x′∼background, α∼U(0,1)} [(x_i − x′_i) ∂f(x′ + α(x − x′))/∂x_i],
  estimated from ``n_samples`` random (baseline, α) pairs per example.
Randomness comes from a ``torch.Generator`` the caller can seed, on the CPU or on the inputs'
device (the draws are made where the generator lives and moved to the inputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from jetxai.errors import InputError
from jetxai.explain._common import (
    METHODS,
    as_inputs,
    check_target,
    fixed_target,
    generator_device,
    gradients,
    shaped,
)
from jetxai.explain.baselines import AveragedBaseline


def _draw(
    sample: Any, shape: Sequence[int], generator: torch.Generator | None, dtype: torch.dtype
) -> torch.Tensor:
    """Random numbers from ``generator`` on its own device (the CPU without one)."""
    device = generator_device(generator)
    result: torch.Tensor = sample(tuple(shape), generator=generator, dtype=dtype, device=device)
    return result


@METHODS.register("saliency")
def saliency(
    model: torch.nn.Module,
    inputs: torch.Tensor | Sequence[torch.Tensor],
    target: int | torch.Tensor | None = None,
    additional_forward_args: Sequence[torch.Tensor] | None = None,
    **_: Any,
) -> Any:
    """∂f/∂x at the inputs."""
    tensors, single = as_inputs(inputs)
    target = check_target(target, len(tensors[0]))
    if not len(tensors[0]):
        return shaped(tuple(torch.zeros_like(x) for x in tensors), single)
    grads, _out = gradients(model, tensors, tuple(additional_forward_args or ()), target)
    return shaped(grads, single)


@METHODS.register("gradient_x_input")
def gradient_x_input(
    model: torch.nn.Module,
    inputs: torch.Tensor | Sequence[torch.Tensor],
    target: int | torch.Tensor | None = None,
    additional_forward_args: Sequence[torch.Tensor] | None = None,
    **_: Any,
) -> Any:
    """x ⊙ ∂f/∂x."""
    tensors, single = as_inputs(inputs)
    grads = saliency(model, tensors, target, additional_forward_args)
    return shaped(tuple(x * g for x, g in zip(tensors, grads, strict=True)), single)


@METHODS.register("smoothgrad")
def smoothgrad(
    model: torch.nn.Module,
    inputs: torch.Tensor | Sequence[torch.Tensor],
    target: int | torch.Tensor | None = None,
    additional_forward_args: Sequence[torch.Tensor] | None = None,
    n_samples: int = 32,
    stdevs: float = 0.1,
    generator: torch.Generator | None = None,
    **_: Any,
) -> Any:
    """Mean gradient over Gaussian perturbations of width ``stdevs`` (in input units)."""
    tensors, single = as_inputs(inputs)
    extra = tuple(additional_forward_args or ())
    target = fixed_target(model, tensors, extra, target)
    total = [torch.zeros_like(x) for x in tensors]
    for _sample in range(n_samples if len(tensors[0]) else 0):
        noisy = tuple(
            x + stdevs * _draw(torch.randn, x.shape, generator, x.dtype).to(x.device)
            for x in tensors
        )
        grads, _out = gradients(model, noisy, extra, target)
        for t, g in zip(total, grads, strict=True):
            t += g / n_samples
    return shaped(total, single)


@METHODS.register("expected_gradients")
def expected_gradients(
    model: torch.nn.Module,
    inputs: torch.Tensor | Sequence[torch.Tensor],
    target: int | torch.Tensor | None = None,
    baselines: AveragedBaseline | None = None,
    additional_forward_args: Sequence[torch.Tensor] | None = None,
    n_samples: int = 32,
    generator: torch.Generator | None = None,
    **_: Any,
) -> Any:
    """Expected gradients with baselines sampled (by their weights) from an AveragedBaseline."""
    if not isinstance(baselines, AveragedBaseline):
        raise InputError("expected gradients needs background samples: an AveragedBaseline")
    tensors, single = as_inputs(inputs)
    extra = tuple(additional_forward_args or ())
    target = fixed_target(model, tensors, extra, target)
    samples = baselines.as_tuple()
    assert baselines.weights is not None
    n = len(tensors[0])
    total = [torch.zeros_like(x) for x in tensors]
    where = generator_device(generator)
    for _sample in range(n_samples if n else 0):
        pick = torch.multinomial(
            baselines.weights.to(where), n, replacement=True, generator=generator
        )
        alpha = _draw(torch.rand, (n,), generator, torch.float64)
        points, diffs = [], []
        for x, s in zip(tensors, samples, strict=True):
            origin = s[pick.to(s.device)].to(device=x.device, dtype=x.dtype)
            a = alpha.to(device=x.device, dtype=x.dtype).reshape((-1,) + (1,) * (x.dim() - 1))
            points.append(origin + a * (x - origin))
            diffs.append(x - origin)
        grads, _out = gradients(model, tuple(points), extra, target)
        for t, g, d in zip(total, grads, diffs, strict=True):
            t += g * d / n_samples
    return shaped(total, single)
