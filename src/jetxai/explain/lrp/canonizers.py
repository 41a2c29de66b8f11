"""Canonizers: reversible model changes that make LRP rules apply cleanly.

:class:`BatchNormFolding` folds an eval-mode BatchNorm into the Linear / Conv layer just before
it in an ``nn.Sequential`` (W′ = s·W, b′ = s·(b − μ) + β with s = γ / √(σ² + ε)) and turns the
BatchNorm into the identity; leaving the context restores every parameter exactly.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle


class BatchNormFolding:
    """Fold BatchNorm layers into their preceding weighted layer (reversible)."""

    def __init__(self) -> None:
        self._saved: list[
            tuple[nn.Linear | nn.Conv1d | nn.Conv2d, torch.Tensor, torch.Tensor | None]
        ] = []
        self._handles: list[RemovableHandle] = []
        self.folded: set[nn.Module] = set()

    def apply(self, model: nn.Module) -> None:
        for container in model.modules():
            if not isinstance(container, nn.Sequential):
                continue
            layers = list(container)
            for before, norm in itertools.pairwise(layers):
                if isinstance(before, nn.Linear | nn.Conv1d | nn.Conv2d) and isinstance(
                    norm, nn.BatchNorm1d | nn.BatchNorm2d
                ):
                    self._fold(before, norm)

    def _fold(
        self, layer: nn.Linear | nn.Conv1d | nn.Conv2d, norm: nn.BatchNorm1d | nn.BatchNorm2d
    ) -> None:
        if norm.training or norm.running_mean is None or norm.running_var is None:
            raise ValueError("BatchNorm folding needs an eval-mode BatchNorm with running stats")
        weight = layer.weight
        bias = layer.bias
        self._saved.append(
            (layer, weight.data.clone(), None if bias is None else bias.data.clone())
        )
        scale = (norm.weight if norm.affine else 1.0) / torch.sqrt(norm.running_var + norm.eps)
        shift = norm.bias if norm.affine else 0.0
        shape = (-1,) + (1,) * (weight.dim() - 1)
        with torch.no_grad():
            weight.mul_(scale.reshape(shape))
            base = bias.data if bias is not None else torch.zeros_like(norm.running_mean)
            new_bias = scale * (base - norm.running_mean) + shift
            if bias is None:
                layer.bias = nn.Parameter(new_bias)
                layer._jetxai_added_bias = True  # type: ignore[assignment]
            else:
                bias.copy_(new_bias)
        self._handles.append(norm.register_forward_hook(_identity))
        self.folded.add(norm)

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        with torch.no_grad():
            for layer, weight, bias in reversed(self._saved):
                layer.weight.copy_(weight)
                if bias is None:
                    layer.bias = None
                    del layer._jetxai_added_bias
                elif layer.bias is not None:
                    layer.bias.copy_(bias)
        self._saved.clear()
        self._handles.clear()
        self.folded.clear()


def _identity(module: nn.Module, args: tuple[Any, ...], output: Any) -> Any:
    return args[0]
