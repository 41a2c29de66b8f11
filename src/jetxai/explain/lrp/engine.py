"""The LRP engine: hooks that route relevance, one backward pass, relevances shaped like inputs.

Every change to the model is a hook with a handle, removed when :class:`LRPHooks` exits (a
``with`` block), together with the canonizers: the model's outputs are unchanged afterwards.

Layer coverage: Linear, Conv1d/2d (rules), BatchNorm (folded into the previous layer, else ε),
ReLU / other element-wise activations (relevance passes through), max pooling (winner takes
all) and average pooling, flatten, dropout in eval mode, the masked-sum set pooling and
concatenation (relevance follows each summand / each branch), the EFN's pT-weighted sum (weights
are gates: relevance goes to Φ), and LSTM / GRU (:mod:`.recurrent`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from jetxai.errors import InputError
from jetxai.explain._common import select
from jetxai.explain.lrp import recurrent
from jetxai.explain.lrp.canonizers import BatchNormFolding
from jetxai.explain.lrp.composites import Composite, build_composite
from jetxai.explain.lrp.rules import epsilon_output, pass_through
from jetxai.models.layers import WeightedSum

_WEIGHTED = (nn.Linear, nn.Conv1d, nn.Conv2d)
_ACTIVATIONS = (nn.Tanh, nn.Sigmoid, nn.ELU, nn.LeakyReLU, nn.Softplus, nn.GELU, nn.SiLU)
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)
_NATURAL = (
    nn.ReLU,
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.AvgPool1d,
    nn.AvgPool2d,
    nn.Flatten,
    nn.Dropout,
    nn.Identity,
    nn.Sequential,
    nn.ModuleList,
)


class LRPHooks:
    """Context manager installing the composite's rules on ``model`` for one explanation.

    ``leaves`` are the input tensors being explained; a weighted layer that reads one of them
    directly is that input's first layer. First-layer rules record auxiliary tensors in
    ``aux[input_index]``.
    """

    def __init__(
        self, model: nn.Module, composite: Composite, leaves: Sequence[torch.Tensor]
    ) -> None:
        self.model = model
        self.composite = composite
        self.leaves = list(leaves)
        self.aux: dict[int, list[torch.Tensor]] = {}
        self.canonizer = BatchNormFolding()
        self.handles: list[RemovableHandle] = []

    def __enter__(self) -> LRPHooks:
        if self.model.training:
            raise ValueError("explain a model in eval mode (model.eval())")
        self.canonizer.apply(self.model)
        try:
            for module in self.model.modules():
                hook = self._hook_for(module)
                if hook is not None:
                    self.handles.append(module.register_forward_hook(hook))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()
        self.canonizer.remove()

    def _input_index(self, x: torch.Tensor) -> int | None:
        for i, leaf in enumerate(self.leaves):
            if x is leaf:
                return i
        return None

    def _hook_for(self, module: nn.Module) -> Any:
        epsilon = self.composite.epsilon
        if isinstance(module, _WEIGHTED):
            return self._weighted_hook
        if isinstance(module, nn.LSTM):
            return lambda m, args, out: recurrent.lstm(m, args, epsilon)
        if isinstance(module, nn.GRU):
            return lambda m, args, out: recurrent.gru(m, args, epsilon)
        if isinstance(module, _ACTIVATIONS):
            return lambda m, args, out: pass_through(args[0], out)
        if isinstance(module, WeightedSum):
            return lambda m, args, out: (args[0] * args[1].detach().unsqueeze(-1)).sum(dim=1)
        if isinstance(module, _NORMS):
            if module in self.canonizer.folded:
                return None
            return lambda m, args, out: epsilon_output(out, epsilon)
        if isinstance(module, _NATURAL) or not any(True for _ in module.parameters(recurse=False)):
            return None
        raise NotImplementedError(f"LRP has no rule for layer type {type(module).__name__}")

    def _weighted_hook(
        self, module: nn.Module, args: tuple[Any, ...], output: torch.Tensor
    ) -> torch.Tensor:
        x = args[0]
        index = self._input_index(x)
        rule = self.composite.rule_for(module, reads_input=index is not None)
        if rule is None:
            return output
        aux: list[torch.Tensor] = []
        result = rule.output(module, x, output, aux)
        if aux:
            if index is None:
                raise ValueError(f"{rule!r} needs to be the first layer of an input")
            self.aux.setdefault(index, []).extend(aux)
        return result


def lrp(
    model: nn.Module,
    inputs: torch.Tensor | tuple[torch.Tensor, ...],
    target: int | torch.Tensor | None = None,
    composite: str | Composite = "epsilon",
    additional_forward_args: tuple[Any, ...] | None = None,
    return_convergence_delta: bool = False,
    **rule_args: Any,
) -> Any:
    """Layerwise relevance propagation of ``model``'s output back to ``inputs``.

    Returns relevances with the structure of ``inputs`` (a tensor, or a tuple for multi-input
    models); padding masks travel in ``additional_forward_args`` and receive none. With
    ``return_convergence_delta`` also returns f(x) − Σ relevance per sample: the share absorbed by
    biases and stabilisers (0 for a perfectly conservative rule chain).
    """
    single = isinstance(inputs, torch.Tensor)
    tensors = (inputs,) if single else tuple(inputs)
    extra = tuple(additional_forward_args or ())
    if not all(t.is_floating_point() for t in tensors):
        raise InputError(
            "attributed inputs must be floating point (masks go in additional_forward_args)"
        )
    leaves = [t.detach().clone().requires_grad_(True) for t in tensors]
    built = build_composite(composite, **rule_args)
    with torch.enable_grad(), LRPHooks(model, built, leaves) as hooks:
        explained = select(model(*leaves, *extra), target)
        # gradients of the inputs (and first-layer auxiliaries) only: no parameter gradients
        wanted = [a for i in range(len(leaves)) for a in hooks.aux.get(i, [leaves[i]])]
        grads = torch.autograd.grad(explained.sum(), wanted, allow_unused=True)
    by_tensor = {id(t): g for t, g in zip(wanted, grads, strict=True)}
    relevance = []
    for i, leaf in enumerate(leaves):
        parts = [
            t * by_tensor[id(t)] for t in hooks.aux.get(i, [leaf]) if by_tensor[id(t)] is not None
        ]
        relevance.append(sum(parts).detach() if parts else torch.zeros_like(leaf))
    result: Any = relevance[0] if single else tuple(relevance)
    if not return_convergence_delta:
        return result
    total = sum(r.reshape(len(r), -1).sum(dim=1) for r in relevance)
    return result, explained.detach() - total
