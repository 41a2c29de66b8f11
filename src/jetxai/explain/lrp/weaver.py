"""LRP on weaver-core's own taggers (``weaver.nn.model``: ParticleNet, ParticleTransformer), as
module objects, without converting them.

Recognised by class (no import of weaver is needed; the canonizer only acts on models that hold
weaver modules):

- ``Attention`` (weaver's fused attention: packed in-projection, scaled-dot-product attention)
  runs, for the duration, as the same computation with visible modules: the in-projection Linear
  itself (one output slice each for queries, keys and values), the q/k norms, the two products
  (:class:`~jetxai.models.layers.MatMul`), the pair bias and key-padding mask through
  :class:`~jetxai.models.layers.Add` (−inf as the lowest finite value) and a Softmax module; the
  output gates are refused by name.
- ``ParticleTransformer``: the output of its ``pair_embed`` (the interaction bias, one per head
  and particle pair) and the class token entering the first class-attention block are *source*
  taps — shares of their own, reported per pair (``pairs``) and per jet (``class_token``), as
  for jetxai's ``part``; a global token mixed into the particles (``include_global_token``) is
  refused by name.
- ``SequenceTrimmer`` (slicing to the longest jet in eval mode), ``LayerScale`` (a per-channel
  factor), ``DropPath`` (the identity in eval mode) and ``Block`` (its own parameters scale the
  heads, the residual and the pair bias: linear factors) are covered as they are; ParticleNet's
  EdgeConv blocks are written with covered modules and inline linear operations already.

Leaving the context restores every module.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.explain.lrp.canonizers import AttentionParts, attend

#: The module path of weaver-core's models.
WEAVER = "weaver.nn.model."
#: weaver module types LRP takes as they are (their own parameters, if any, are handled here).
NATURAL = (
    "SequenceTrimmer",
    "LayerScale",
    "DropPath",
    "Block",
    "ParticleTransformer",
    "ParticleNet",
)


def is_weaver(module: nn.Module, *names: str) -> bool:
    """Whether ``module`` is one of weaver-core's model classes ``names``."""
    kind = type(module)
    return kind.__module__.startswith(WEAVER) and kind.__name__ in names


def covered(module: nn.Module) -> bool:
    """Whether the engine may take this weaver module (weaver Attention is made explicit)."""
    return is_weaver(module, *NATURAL, "Attention")


def check(module: Any, name: str = "") -> None:
    """Refuse, by name, the weaver options the adapter does not cover."""
    label = f"LRP does not cover module {name or '<model>'!r}"
    if is_weaver(module, "Attention") and (
        module.headwise_attn_output_gate or module.elementwise_attn_output_gate
    ):
        raise InputError(f"{label} (weaver Attention with an output gate)")
    if is_weaver(module, "ParticleTransformer") and module.include_global_token:
        raise InputError(f"{label} (weaver ParticleTransformer with include_global_token)")


def _attention_forward(module: Any, parts: AttentionParts) -> Any:
    def forward(
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        key_padding_mask: torch.Tensor | None = None,
        attn_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, None]:
        n, length, dim = query.shape
        heads, width = module.num_heads, module.head_dim

        def project(x: torch.Tensor, part: int) -> torch.Tensor:
            out = module.in_proj(x)[..., part * dim : (part + 1) * dim]
            return out.reshape(n, x.shape[1], heads, width)

        q = module.q_norm(project(query, 0)).transpose(1, 2) * width**-0.5
        k = module.k_norm(project(key, 1)).transpose(1, 2)
        v = project(value, 2).transpose(1, 2)
        mixed, _ = attend(parts, q, k, v, attn_mask, key_padding_mask)
        return module.out_proj(mixed.transpose(1, 2).reshape(n, length, dim)), None

    return forward


class WeaverCanonizer:
    """Make the weaver modules of a model explainable (reversible)."""

    def __init__(self) -> None:
        self._forwards: list[nn.Module] = []
        self._children: list[tuple[nn.Module, str]] = []

    def apply(self, model: nn.Module) -> None:
        from jetxai.models.layers import Tap

        module: Any  # weaver's classes, read by their attributes
        for module in list(model.modules()):
            if is_weaver(module, "Attention"):
                check(module)
                parts = AttentionParts()
                self._add(module, "_jetxai_explicit", parts)
                self._patch(module, _attention_forward(module, parts))
            elif is_weaver(module, "ParticleTransformer"):
                check(module)
                if module.pair_embed is not None:
                    self._tap_output(module.pair_embed, Tap("pairs", source=True), module)
                if module.cls_blocks is not None:
                    self._tap_class_token(module.cls_blocks[0], Tap("class_token", source=True))

    def _add(self, owner: nn.Module, name: str, child: nn.Module) -> None:
        owner.add_module(name, child)
        self._children.append((owner, name))

    def _patch(self, module: nn.Module, forward: Any) -> None:
        module.forward = forward
        self._forwards.append(module)

    def _tap_output(self, module: nn.Module, tap: nn.Module, owner: nn.Module) -> None:
        """The pair bias (N, heads, n, n), tapped with the heads last so the tap sums them."""
        self._add(owner, "_jetxai_pairs", tap)
        original = module.forward

        def forward(*args: Any, **kwargs: Any) -> torch.Tensor:
            out = original(*args, **kwargs)
            return tap(out.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

        self._patch(module, forward)

    def _tap_class_token(self, block: nn.Module, tap: nn.Module) -> None:
        self._add(block, "_jetxai_class_token", tap)
        original = block.forward

        def forward(x: torch.Tensor, x_cls: torch.Tensor | None = None, **kwargs: Any) -> Any:
            return original(x, x_cls=None if x_cls is None else tap(x_cls), **kwargs)

        self._patch(block, forward)

    def remove(self) -> None:
        for module in reversed(self._forwards):
            # patched twice (a pair embedding inside a ParT): every layer goes
            module.__dict__.pop("forward", None)
        for owner, name in reversed(self._children):
            owner._modules.pop(name, None)
        self._forwards.clear()
        self._children.clear()
