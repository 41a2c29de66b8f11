"""Canonizers: reversible model changes that make LRP rules apply cleanly.

:class:`BatchNormFolding` folds an eval-mode BatchNorm into the Linear / Conv layer just before
it in an ``nn.Sequential`` (W′ = s·W, b′ = s·(b − μ) + β with s = γ / √(σ² + ε)) and turns the
BatchNorm into the identity; leaving the context restores every parameter exactly.

:class:`ExplicitAttention` runs each ``nn.MultiheadAttention`` (fused in PyTorch, invisible to
the engine) as the same computation written with visible modules — projections as Linear layers
sharing the module's weights, the two products as :class:`~jetxai.models.layers.MatMul`, a float
``attn_mask`` (an additive bias such as ParT's interaction) through
:class:`~jetxai.models.layers.Add`, and a Softmax module — so the attention rules apply; leaving
the context restores the module.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from jetxai.errors import InputError


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


def check_attention(module: nn.MultiheadAttention, name: str = "") -> None:
    """Refuse, by name, the attention options the explicit form does not cover."""
    unsupported = [
        label
        for label, present in (
            ("bias_k / bias_v", module.bias_k is not None),
            ("add_zero_attn", module.add_zero_attn),
        )
        if present
    ]
    if unsupported:
        raise InputError(
            f"LRP does not cover module {name or '<model>'!r} (MultiheadAttention with "
            f"{', '.join(unsupported)})"
        )


def _projection(weight: torch.Tensor, bias: torch.Tensor | None) -> nn.Linear:
    """A Linear layer whose weight and bias are (views of) the given tensors."""
    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    del layer.weight
    layer.weight = weight
    if bias is not None:
        del layer.bias
        layer.bias = bias  # type: ignore[assignment]
    return layer


class AttentionParts(nn.Module):
    """The visible modules of one attention: the two products, the sum with an additive mask
    or bias, and the softmax."""

    def __init__(self) -> None:
        super().__init__()
        from jetxai.models.layers import Add, MatMul

        self.scores = MatMul()
        self.add_mask = Add()
        self.softmax = nn.Softmax(dim=-1)
        self.mix = MatMul()


def attend(
    parts: AttentionParts,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    attn_mask: torch.Tensor | None = None,
    key_padding_mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(softmax(q kᵀ + mask) v, the weights) for (N, heads, L, d) queries, keys and values, q
    already scaled. A float ``attn_mask`` (N·heads or N, heads, L, S; or L, S) is a bias added
    through ``parts.add_mask``, and so is a float ``key_padding_mask`` (N, S); in boolean masks
    True is ignored. Masked logits take the lowest finite value rather than −inf, so x·∂f/∂x
    stays 0 there, never NaN."""
    n, heads = q.shape[0], q.shape[1]
    logits = parts.scores(q, k.transpose(-1, -2))
    lowest = torch.finfo(logits.dtype).min
    if attn_mask is not None:
        mask = attn_mask
        if mask.dim() == 3:
            mask = mask.reshape(n, heads, *mask.shape[-2:])
        if mask.dtype == torch.bool:
            logits = logits.masked_fill(mask, lowest)
        else:
            logits = parts.add_mask(logits, mask.to(logits.dtype).clamp(min=lowest))
    if key_padding_mask is not None:
        padded = key_padding_mask.reshape(n, 1, 1, -1)
        if padded.dtype == torch.bool:
            logits = logits.masked_fill(padded, lowest)
        else:  # a float mask is added, as PyTorch does
            logits = parts.add_mask(logits, padded.to(logits.dtype).clamp(min=lowest))
    weights = parts.softmax(logits)
    return parts.mix(weights, v), weights


class _Explicit(AttentionParts):
    """The visible modules of one MultiheadAttention, projections included."""

    def __init__(self, module: nn.MultiheadAttention) -> None:
        super().__init__()
        e = module.embed_dim
        if module._qkv_same_embed_dim:
            weights = [module.in_proj_weight[i * e : (i + 1) * e] for i in range(3)]
        else:
            weights = [module.q_proj_weight, module.k_proj_weight, module.v_proj_weight]
        bias = module.in_proj_bias
        biases = [None] * 3 if bias is None else [bias[i * e : (i + 1) * e] for i in range(3)]
        self.query, self.key, self.value = (
            _projection(w, b) for w, b in zip(weights, biases, strict=True)
        )


def _explicit_forward(module: nn.MultiheadAttention, parts: _Explicit) -> Any:
    def forward(
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        key_padding_mask: torch.Tensor | None = None,
        need_weights: bool = True,
        attn_mask: torch.Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        batched = query.dim() == 3
        if not batched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
        if not module.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        n, length, _ = query.shape
        heads = module.num_heads

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.reshape(n, x.shape[1], heads, -1).transpose(1, 2)

        q = split(parts.query(query))
        q = q * q.shape[-1] ** -0.5
        mixed, weights = attend(
            parts, q, split(parts.key(key)), split(parts.value(value)), attn_mask,
            key_padding_mask,
        )  # fmt: skip
        out = module.out_proj(mixed.transpose(1, 2).reshape(n, length, -1))
        if not module.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(1)
        if not need_weights:
            return out, None
        return out, weights.mean(dim=1) if average_attn_weights else weights

    return forward


class ExplicitAttention:
    """Run every ``nn.MultiheadAttention`` with visible modules (reversible)."""

    def __init__(self) -> None:
        self._changed: list[nn.MultiheadAttention] = []

    def apply(self, model: nn.Module) -> None:
        for module in list(model.modules()):
            if isinstance(module, nn.MultiheadAttention):
                check_attention(module)
                parts = _Explicit(module)
                module.add_module("_jetxai_explicit", parts)
                module.forward = _explicit_forward(module, parts)  # type: ignore[method-assign]
                self._changed.append(module)

    def remove(self) -> None:
        for module in self._changed:
            del module.forward
            del module._modules["_jetxai_explicit"]
        self._changed.clear()


def _identity(module: nn.Module, args: tuple[Any, ...], output: Any) -> Any:
    return args[0]
