"""How relevance passes through the layers that are not weighted: one rule object per kind of
layer, registered at its definition for the module types it applies to.

:data:`LAYER_RULES` (module type → rule) is the default part of every composite's layer → rule
map (:meth:`jetxai.explain.lrp.composites.Composite.rules`); the composite's own rules for the
weighted layers, and for modules it names, come on top, and the softmax of attention takes the
rule the composite names in :data:`SOFTMAX_RULES`. A module type is covered by LRP when it (or
a base class) is in the map; :func:`register_elementwise` adds a user's element-wise module.

The attention rules follow AttnLRP (Achtibat et al., ICML 2024, arXiv:2402.05602): products of
two activations split relevance in half, LayerNorm holds its standard deviation constant, sums
of branches split in proportion to each branch's value (see :mod:`jetxai.explain.lrp.engine`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import torch
from torch import nn

from jetxai._registry import Registry
from jetxai.explain.lrp import recurrent
from jetxai.explain.lrp.rules import Hooks, Rule, epsilon_output, pass_through
from jetxai.models.layers import (
    Add,
    ClassToken,
    Concat,
    MaskedMean,
    MaskedSum,
    MatMul,
    NeighbourMean,
    Tap,
    WeightedSum,
)

R = TypeVar("R", bound=type[Rule])

#: The default layer → rule map: module type → rule (a composite adds its weighted-layer rules).
LAYER_RULES: dict[type[nn.Module], Rule] = {}
#: The rules for attention softmaxes, by name (``softmax=`` of a composite).
SOFTMAX_RULES: Registry[Rule] = Registry("softmax rule", make=lambda cls: cls())


def applies_to(*types: type[nn.Module]) -> Callable[[R], R]:
    """Class decorator: one instance of the rule is the default rule of every type in
    ``types``."""

    def decorate(cls: R) -> R:
        rule = cls()
        for kind in types:
            if kind in LAYER_RULES:
                raise ValueError(f"{kind.__name__} already has the rule {LAYER_RULES[kind]!r}")
            LAYER_RULES[kind] = rule
        return cls

    return decorate


def register_elementwise(cls: type[nn.Module]) -> type[nn.Module]:
    """Declare ``cls`` an element-wise activation (y_i = g(x_i)) for LRP: its relevance passes
    through unchanged (usable as a class decorator)."""
    LAYER_RULES[cls] = PassThrough()
    return cls


@SOFTMAX_RULES.register("attnlrp")
@applies_to(
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
    nn.MultiheadAttention,  # run with visible modules (canonizers.ExplicitAttention)
    nn.Softmax,  # AttnLRP's rule; a composite's softmax= chooses another
    MaskedSum,
    MaskedMean,
    NeighbourMean,
    Concat,
    ClassToken,
)
class Natural(Rule):
    """Relevance follows the plain gradient (x ⊙ ∂f/∂x): ReLU and max pooling (winner takes
    all), average pooling, sums, concatenation and reshaping (each summand / branch keeps its
    own), dropout in eval mode. For a softmax it is AttnLRP's rule R_i = x_i (R_i − s_i Σ_j R_j),
    whose bias term absorbs relevance. No hook is installed."""

    hooked = False


@SOFTMAX_RULES.register("identity")
@applies_to(nn.Tanh, nn.Sigmoid, nn.ELU, nn.LeakyReLU, nn.Softplus, nn.GELU, nn.SiLU)
class PassThrough(Rule):
    """Element-wise activations pass each output's relevance to its input unchanged (for a
    softmax: to its logit, which conserves relevance)."""

    def hook(self, module: nn.Module, args: tuple[Any, ...], out: Any, hooks: Hooks) -> Any:
        return pass_through(args[0], out)


@SOFTMAX_RULES.register("cp")
class ConstantWeights(Rule):
    """The attention weights held constant (CP-LRP, Ali et al., ICML 2022): all relevance takes
    the value path, the logits receive none."""

    def hook(self, module: nn.Module, args: tuple[Any, ...], out: Any, hooks: Hooks) -> Any:
        return out.detach()


@applies_to(Add, nn.BatchNorm1d, nn.BatchNorm2d)
class OutputEpsilon(Rule):
    """The ε-rule on the layer's output with the composite's ε: a sum of branches splits
    relevance in proportion to each branch's value; a BatchNorm not folded into the layer
    before it is ε-LRP on its affine map (a folded one is left alone)."""

    def hook(self, module: nn.Module, args: tuple[Any, ...], out: Any, hooks: Hooks) -> Any:
        if hooks.folded(module):
            return None
        routed = epsilon_output(out, hooks.composite.epsilon)
        if isinstance(module, Add):
            hooks.watch_cancellation(module, args, routed)
        return routed


@applies_to(WeightedSum)
class Gates(Rule):
    """The EFN's pT-weighted sum: the weights are gates, so relevance goes to Φ."""

    def hook(self, module: nn.Module, args: tuple[Any, ...], out: Any, hooks: Hooks) -> Any:
        return (args[0] * args[1].detach().unsqueeze(-1)).sum(dim=1)


class _HalvedProduct(torch.autograd.Function):
    """a @ b whose gradients are halved: x ⊙ ∂f/∂x gives each factor half the relevance."""

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx, a: torch.Tensor, b: torch.Tensor
    ) -> torch.Tensor:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(
        ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        a, b = ctx.saved_tensors  # type: ignore[attr-defined]
        half = 0.5 * grad
        return half @ b.transpose(-1, -2), a.transpose(-1, -2) @ half


@applies_to(MatMul)
class UniformProduct(Rule):
    """a @ b with half the relevance to each factor (AttnLRP's uniform rule); a factor that does
    not depend on the inputs passes none, so the other takes all."""

    def hook(self, module: nn.Module, args: tuple[Any, ...], out: Any, hooks: Hooks) -> Any:
        a, b = args[0], args[1]
        if not (a.requires_grad and b.requires_grad):
            return out
        if a.dim() < 2 or b.dim() < 2 or a.shape[:-2] != b.shape[:-2]:  # vectors, broadcasting
            half = 0.5 * (a @ b.detach()) + 0.5 * (a.detach() @ b)
            return half + (out - half).detach()
        return _HalvedProduct.apply(a, b)


@applies_to(nn.LayerNorm)
class ConstantScale(Rule):
    """LayerNorm with the standard deviation held constant: linear in x (AttnLRP's identity rule
    on the normalisation); the centring and γ are linear, β is a bias."""

    def hook(self, module: nn.Module, args: tuple[Any, ...], out: Any, hooks: Hooks) -> Any:
        assert isinstance(module, nn.LayerNorm)
        x = args[0]
        dims = tuple(range(-len(module.normalized_shape), 0))
        centred = x - x.mean(dim=dims, keepdim=True)
        scale = torch.sqrt(x.var(dim=dims, keepdim=True, unbiased=False) + module.eps).detach()
        y = centred / scale
        if module.weight is not None:
            y = y * module.weight
        if module.bias is not None:
            y = y + module.bias
        return y + (out - y).detach()


@applies_to(Tap)
class Tapped(Rule):
    """A tapped tensor: its relevance is recorded; a source tap stops relevance there (its share
    is one of its own)."""

    def hook(self, module: nn.Module, args: tuple[Any, ...], out: Any, hooks: Hooks) -> Any:
        return hooks.tap(module, args, out)


@applies_to(nn.LSTM)
class LSTMRule(Rule):
    """LSTM: ε-LRP on the linear maps, gates as constants (:mod:`.recurrent`)."""

    def hook(self, module: nn.Module, args: tuple[Any, ...], out: Any, hooks: Hooks) -> Any:
        assert isinstance(module, nn.LSTM)
        return recurrent.lstm(module, args, hooks.composite.epsilon, hooks)


@applies_to(nn.GRU)
class GRURule(Rule):
    """GRU: ε-LRP on the linear maps, gates as constants (:mod:`.recurrent`)."""

    def hook(self, module: nn.Module, args: tuple[Any, ...], out: Any, hooks: Hooks) -> Any:
        assert isinstance(module, nn.GRU)
        return recurrent.gru(module, args, hooks.composite.epsilon, hooks)


@applies_to(nn.Linear, nn.Conv1d, nn.Conv2d)
class FirstLayerOnly(Rule):
    """A weighted layer the composite gives no rule: the first-layer rule where it reads the
    inputs, else the plain gradient (LRP-0)."""

    def hook(self, module: nn.Module, args: tuple[Any, ...], out: Any, hooks: Hooks) -> Any:
        first = hooks.composite.first_layer
        if first is None or not hooks.reads_inputs(args[0]):
            return None
        return first.apply(module, args[0], out, hooks)


def rule_of(table: dict[type[nn.Module], Rule], module: nn.Module) -> Rule | None:
    """The rule of ``module``'s type (or its nearest base class) in ``table``."""
    for kind in type(module).__mro__:
        rule = table.get(kind)
        if rule is not None:
            return rule
    return None
