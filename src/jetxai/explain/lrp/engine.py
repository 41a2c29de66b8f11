"""The LRP engine: hooks that route relevance, one backward pass, relevances shaped like inputs.

Input layers are found by data flow: a weighted (or recurrent) layer whose input is derived from
the explained inputs by concatenation, slicing, indexing, reshaping or packing only is the first
layer of those inputs, and the composite's first-layer rule applies there; its relevance is
carried back through those operations to the inputs.

Coverage is checked before anything runs: every leaf module must be of a covered type, and the
first one that is not is named (qualified name and type). Operations written inside a module's
``forward`` cannot be seen that way, so after running, the conservation of the rule chain is
measured with the ε-rule on the model with its biases set to 0, where every covered operation
conserves relevance exactly (up to round-off and ε): whatever leaks there is an operation the
engine does not see, whichever composite was asked for (a rule such as αβ may lose relevance by
design; that is not what the check is about). A :class:`ConservationWarning` reports the error
when it exceeds :data:`CONSERVATION_TOLERANCE`.

Every change to the model is a hook with a handle, removed when :class:`LRPHooks` exits (a
``with`` block), together with the canonizers: the model's outputs are unchanged afterwards.

Layer coverage: Linear, Conv1d/2d (rules), BatchNorm (folded into the previous layer, else ε),
ReLU / other element-wise activations (relevance passes through), max pooling (winner takes
all) and average pooling, flatten, dropout in eval mode, the masked-sum set pooling and
concatenation (relevance follows each summand / each branch), the EFN's pT-weighted sum (weights
are gates: relevance goes to Φ), and LSTM / GRU (:mod:`.recurrent`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from jetxai.errors import InputError
from jetxai.explain._common import check_target, select
from jetxai.explain.lrp import recurrent
from jetxai.explain.lrp.canonizers import BatchNormFolding
from jetxai.explain.lrp.composites import Composite, build_composite
from jetxai.explain.lrp.rules import Rule, epsilon_output, pass_through
from jetxai.models.layers import Concat, MaskedSum, WeightedSum

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
    MaskedSum,
    Concat,
)
_RECURRENT = (nn.LSTM, nn.GRU)
#: Every leaf-module type the engine handles.
COVERED: tuple[type[nn.Module], ...] = (
    *_WEIGHTED,
    *_RECURRENT,
    *_ACTIVATIONS,
    *_NORMS,
    *_NATURAL,
    WeightedSum,
)
#: Largest conservation error of the rule chain, |f₀ − ΣR₀| / mean |f₀| on the bias-free model,
#: that passes without a warning. Covered models give 1e-7 (float32) to 1e-15 (float64); the
#: leaks of uncovered operations (attention products, softmax, normalisations) are of order one.
CONSERVATION_TOLERANCE = 1e-2
#: Examples the conservation probe uses.
PROBE_EXAMPLES = 64
#: ε of the probe: z / (z + ε·sign z) never exceeds 1, so a tiny ε is stable and absorbs nothing
#: measurable.
PROBE_EPSILON = 1e-12
#: Autograd nodes that only move, copy or select values: a layer reading a tensor made by these
#: from the inputs is an input layer.
_STRUCTURAL = {
    "AccumulateGrad",
    "AliasBackward",
    "CatBackward",
    "CloneBackward",
    "CopySlices",
    "ExpandBackward",
    "GatherBackward",
    "IndexBackward",
    "IndexSelectBackward",
    "NarrowBackward",
    "PackPaddedSequenceBackward",
    "PermuteBackward",
    "ReshapeAliasBackward",
    "SelectBackward",
    "SliceBackward",
    "SplitBackward",
    "SplitWithSizesBackward",
    "SqueezeBackward",
    "StackBackward",
    "TBackward",
    "ToCopyBackward",
    "TransposeBackward",
    "UnbindBackward",
    "UnsafeViewBackward",
    "UnsqueezeBackward",
    "ViewBackward",
}


#: Users' own element-wise modules (y_i = g(x_i)) whose relevance passes through unchanged, added
#: with :func:`register_elementwise`; anything else unknown is refused by :func:`check_coverage`.
ELEMENTWISE: set[type[nn.Module]] = set()


def register_elementwise(cls: type[nn.Module]) -> type[nn.Module]:
    """Declare ``cls`` an element-wise activation for LRP (usable as a class decorator)."""
    ELEMENTWISE.add(cls)
    return cls


class ConservationWarning(UserWarning):
    """LRP relevance is not conserved through the model: some operation is not covered."""


def check_coverage(model: nn.Module) -> None:
    """Raise :class:`InputError` naming the first module LRP does not cover: a leaf module, or
    one with parameters of its own (such as ``MultiheadAttention``), of an uncovered type."""
    for name, module in model.named_modules():
        owns = any(True for _ in module.parameters(recurse=False))
        if any(True for _ in module.children()) and not owns:
            continue
        if not isinstance(module, (*COVERED, *ELEMENTWISE)):
            raise InputError(
                f"LRP does not cover module {name or '<model>'!r} ({type(module).__name__}); "
                "covered: Linear, Conv1d/2d, LSTM, GRU, BatchNorm, element-wise activations, "
                "pooling, Flatten, Dropout and jetxai's set pooling and concatenation (an "
                "element-wise module of your own: jetxai.explain.lrp.register_elementwise)"
            )
        if isinstance(module, _RECURRENT):
            recurrent.check(module, name)


@dataclass
class InputLayer:
    """A first layer found by data flow: the tensor it reads (derived from the inputs by
    structural operations only) and the auxiliary tensors of its first-layer rule."""

    x: torch.Tensor
    aux: list[torch.Tensor] = field(default_factory=list)


def _structural_origin(x: torch.Tensor, leaves: Sequence[torch.Tensor]) -> bool:
    """Whether ``x`` is derived from ``leaves`` by structural operations only (and from at
    least one of them)."""
    ids = {id(leaf) for leaf in leaves}
    if id(x) in ids:
        return True
    if x.grad_fn is None:
        return False
    reached = False
    stack = [x.grad_fn]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if type(node).__name__.rstrip("0123456789") not in _STRUCTURAL:
            return False
        if hasattr(node, "variable"):
            if id(node.variable) not in ids:
                return False
            reached = True
            continue
        stack.extend(f for f, _ in node.next_functions if f is not None)
    return reached


class LRPHooks:
    """Context manager installing the composite's rules on ``model`` for one explanation.

    ``leaves`` are the input tensors being explained; a weighted layer whose input is derived
    from them by structural operations only is an input layer (see the module docs); the
    first-layer rule applied there records an :class:`InputLayer` in ``input_layers``.
    """

    def __init__(
        self, model: nn.Module, composite: Composite, leaves: Sequence[torch.Tensor]
    ) -> None:
        self.model = model
        self.composite = composite
        self.leaves = list(leaves)
        self.input_layers: list[InputLayer] = []
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

    def reads_inputs(self, x: torch.Tensor) -> bool:
        """Whether a layer reading ``x`` is an input layer."""
        return _structural_origin(x, self.leaves)

    def first_layer_rule(self, module: nn.Module, x: torch.Tensor) -> Rule | None:
        """The composite's rule for ``module`` reading ``x``."""
        return self.composite.rule_for(module, reads_input=self.reads_inputs(x))

    def record(self, x: torch.Tensor, aux: list[torch.Tensor]) -> None:
        """Keep a first-layer rule's auxiliaries (``x``-shaped) for the input relevance."""
        if aux:
            self.input_layers.append(InputLayer(x, aux))

    def _hook_for(self, module: nn.Module) -> Any:
        epsilon = self.composite.epsilon
        if isinstance(module, _WEIGHTED):
            return self._weighted_hook
        if isinstance(module, nn.LSTM):
            return lambda m, args, out: recurrent.lstm(m, args, epsilon, self)
        if isinstance(module, nn.GRU):
            return lambda m, args, out: recurrent.gru(m, args, epsilon, self)
        if isinstance(module, (*_ACTIVATIONS, *ELEMENTWISE)):
            return lambda m, args, out: pass_through(args[0], out)
        if isinstance(module, WeightedSum):
            return lambda m, args, out: (args[0] * args[1].detach().unsqueeze(-1)).sum(dim=1)
        if isinstance(module, _NORMS):
            if module in self.canonizer.folded:
                return None
            return lambda m, args, out: epsilon_output(out, epsilon)
        return None

    def _weighted_hook(
        self, module: nn.Module, args: tuple[Any, ...], output: torch.Tensor
    ) -> torch.Tensor:
        x = args[0]
        rule = self.first_layer_rule(module, x)
        if rule is None:
            return output
        aux: list[torch.Tensor] = []
        result = rule.output(module, x, output, aux)
        self.record(x, aux)
        return result


@contextmanager
def _without_biases(model: nn.Module) -> Iterator[None]:
    """Biases, BatchNorm shifts and running means set to 0 for the duration (restored exactly)."""
    saved: list[tuple[torch.Tensor, torch.Tensor]] = []
    for module in model.modules():
        for name, tensor in [
            *module.named_parameters(recurse=False),
            *module.named_buffers(recurse=False),
        ]:
            if name.startswith("bias") or name == "running_mean":
                saved.append((tensor, tensor.detach().clone()))
    try:
        with torch.no_grad():
            for tensor, _ in saved:
                tensor.zero_()
        yield
    finally:
        with torch.no_grad():
            for tensor, value in saved:
                tensor.copy_(value)


def _propagate(
    model: nn.Module,
    tensors: Sequence[torch.Tensor],
    extra: tuple[Any, ...],
    target: Any,
    composite: Composite,
) -> tuple[list[torch.Tensor], torch.Tensor]:
    """(relevance per input, explained output) for one batch."""
    leaves = [t.detach().clone().requires_grad_(True) for t in tensors]
    with torch.enable_grad(), LRPHooks(model, composite, leaves) as hooks:
        explained = select(model(*leaves, *extra), target)
        layers = hooks.input_layers
        # gradients of the inputs (and first-layer auxiliaries) only: no parameter gradients
        aux = [a for layer in layers for a in layer.aux]
        grads = torch.autograd.grad(
            explained.sum(), [*leaves, *aux], allow_unused=True, retain_graph=bool(layers)
        )
        relevance = [
            leaf * g if g is not None else torch.zeros_like(leaf)
            for leaf, g in zip(leaves, grads[: len(leaves)], strict=True)
        ]
        by_aux = dict(zip(map(id, aux), grads[len(leaves) :], strict=True))
        for layer in layers:
            parts = [a * g for a in layer.aux if (g := by_aux[id(a)]) is not None]
            if not parts:
                continue
            layer_relevance = torch.stack(parts).sum(dim=0)
            # carry the layer's input relevance back through the structural operations
            carried = torch.autograd.grad(
                layer.x, leaves, grad_outputs=layer_relevance, allow_unused=True, retain_graph=True
            )
            relevance = [r if c is None else r + c for r, c in zip(relevance, carried, strict=True)]
    return [r.detach() for r in relevance], explained.detach()


def _check_conservation(
    model: nn.Module, tensors: Sequence[torch.Tensor], extra: tuple[Any, ...], target: Any
) -> float:
    """|f₀ − ΣR₀| / mean |f₀| of ε-LRP on the bias-free model, over up to
    :data:`PROBE_EXAMPLES` examples."""
    rows = slice(0, PROBE_EXAMPLES)
    probe_target = target[rows] if isinstance(target, torch.Tensor) else target
    with _without_biases(model):
        relevance, explained = _propagate(
            model,
            [t[rows] for t in tensors],
            tuple(e[rows] if isinstance(e, torch.Tensor) else e for e in extra),
            probe_target,
            build_composite("epsilon", epsilon=PROBE_EPSILON),
        )
    total = sum(r.reshape(len(r), -1).sum(dim=1) for r in relevance)
    scale = float(explained.abs().mean())
    error = float((explained - total).abs().max())
    return error / scale if scale > 0 else (0.0 if error == 0 else float("inf"))


def lrp(
    model: nn.Module,
    inputs: torch.Tensor | tuple[torch.Tensor, ...],
    target: int | torch.Tensor | None = None,
    composite: str | Composite = "epsilon",
    additional_forward_args: tuple[Any, ...] | None = None,
    return_convergence_delta: bool = False,
    check_conservation: bool = True,
    **rule_args: Any,
) -> Any:
    """Layerwise relevance propagation of ``model``'s output back to ``inputs``.

    Returns relevances with the structure of ``inputs`` (a tensor, or a tuple for multi-input
    models); padding masks travel in ``additional_forward_args`` and receive none. With
    ``return_convergence_delta`` also returns f(x) − Σ relevance per sample: the share absorbed by
    biases and stabilisers (0 for a perfectly conservative rule chain). ``target``: see
    :mod:`jetxai.explain._common`. Uncovered modules are refused before anything runs; with
    ``check_conservation`` a :class:`ConservationWarning` reports a rule chain that leaks.
    """
    single = isinstance(inputs, torch.Tensor)
    tensors = (inputs,) if single else tuple(inputs)
    extra = tuple(additional_forward_args or ())
    if not all(t.is_floating_point() for t in tensors):
        raise InputError(
            "attributed inputs must be floating point (masks go in additional_forward_args)"
        )
    built = build_composite(composite, **rule_args)
    check_coverage(model)
    target = check_target(target, len(tensors[0]) if tensors else 0)
    if not len(tensors[0]):  # an empty batch: empty relevances (and deltas)
        empty: Any = tuple(torch.zeros_like(t) for t in tensors)
        result: Any = empty[0] if single else empty
        return (result, torch.zeros(0)) if return_convergence_delta else result
    relevance, explained = _propagate(model, tensors, extra, target, built)
    if check_conservation:
        error = _check_conservation(model, tensors, extra, target)
        if error > CONSERVATION_TOLERANCE:
            warnings.warn(
                f"LRP does not conserve relevance through this model: |f − ΣR| / mean |f| = "
                f"{error:.3g} on the bias-free model (tolerance {CONSERVATION_TOLERANCE}); some "
                "operation inside a module's forward is not covered, so the relevances are not "
                "an LRP explanation",
                ConservationWarning,
                stacklevel=2,
            )
    result = relevance[0] if single else tuple(relevance)
    if not return_convergence_delta:
        return result
    total = sum(r.reshape(len(r), -1).sum(dim=1) for r in relevance)
    return result, explained - total
