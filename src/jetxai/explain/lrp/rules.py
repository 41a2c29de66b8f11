"""LRP rules for layers with weights (Linear, Conv1d, Conv2d), registered by name in
:data:`RULES`, and the :class:`Rule` base every rule object shares (the rules of the other
layers are in :mod:`.layer_rules`).

Each rule turns a layer's forward pass into one whose *value* is unchanged but whose gradient
carries relevance: with z the layer's output and z_ρ a rule-specific modified pre-activation,

    y = z_ρ · c + (z − z_ρ · c).detach(),   c = (z / stab(z_ρ)).detach()

so that R_in = a ⊙ ∂y/∂a · (R_out / z) — relevance is activation × gradient at every layer
(Montavon et al., "Layer-wise relevance propagation: an overview", 2019, §10.2).

Rules that redistribute relevance independently of the activation (flat, w², z^B) are for the
first layer only: they build auxiliary leaf tensors whose ``tensor ⊙ grad`` is the relevance.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from torch import nn

from jetxai._registry import Registry
from jetxai.errors import InputError

WeightedLayer = nn.Linear | nn.Conv1d | nn.Conv2d


class Hooks(Protocol):
    """What a rule may ask of the engine's hooks (:class:`jetxai.explain.lrp.engine.LRPHooks`)
    while the model runs."""

    composite: Any

    def reads_inputs(self, x: torch.Tensor) -> bool: ...

    def record(self, x: torch.Tensor, aux: list[torch.Tensor]) -> None: ...

    def folded(self, module: nn.Module) -> bool: ...

    def input_columns(self, x: torch.Tensor) -> torch.Tensor | None: ...

    def watch_cancellation(
        self, module: nn.Module, branches: tuple[Any, ...], routed: torch.Tensor
    ) -> None: ...

    def tap(self, module: nn.Module, args: tuple[Any, ...], out: torch.Tensor) -> Any: ...


def affine(
    module: nn.Module, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None
) -> torch.Tensor:
    """``module``'s linear map applied with substituted weight and bias."""
    if isinstance(module, nn.Linear):
        return F.linear(x, weight, bias)
    if isinstance(module, nn.Conv1d | nn.Conv2d):
        return module._conv_forward(x, weight, bias)
    raise TypeError(f"no affine map for {type(module).__name__}")


def _stabilise(z: torch.Tensor, epsilon: float) -> torch.Tensor:
    """z + ε·sign(z), with sign(0) = +1, so the denominator is never zero."""
    return z + epsilon * torch.where(z >= 0, 1.0, -1.0).to(z.dtype)


def relevance_output(z: torch.Tensor, z_rho: torch.Tensor, epsilon: float) -> torch.Tensor:
    """The value-preserving output whose gradient routes relevance through ``z_rho``."""
    c = (z / _stabilise(z_rho, epsilon)).detach()
    return z_rho * c + (z - z_rho * c).detach()


class _EpsilonScale(torch.autograd.Function):
    """Identity forward; backward scales the gradient by z / (z + ε·sign(z)).

    The ε-rule with z_ρ = z as a single graph node. The output is a copy, not a view, so an
    in-place activation after the layer (``ReLU(inplace=True)``) can modify it."""

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx, z: torch.Tensor, epsilon: float
    ) -> torch.Tensor:
        ctx.save_for_backward(z)
        ctx.epsilon = epsilon  # type: ignore[attr-defined]
        return z.clone()

    @staticmethod
    def backward(
        ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor
    ) -> tuple[torch.Tensor, None]:
        (z,) = ctx.saved_tensors  # type: ignore[attr-defined]
        eps = ctx.epsilon  # type: ignore[attr-defined]
        # z + ε·sign(z) with the sign taken from z's sign bit: the values of _stabilise (and of
        # Zennit's ε-rule, in the same operation order) in two passes instead of four
        stabilised = z + torch.copysign(torch.tensor(eps, dtype=z.dtype, device=z.device), z)
        return grad * z / stabilised, None


def epsilon_output(z: torch.Tensor, epsilon: float) -> torch.Tensor:
    """:func:`relevance_output` for z_ρ = z (the ε-rule), as one autograd node."""
    result: torch.Tensor = _EpsilonScale.apply(z, epsilon)
    return result


def _non_negative(name: str, value: float) -> float:
    """A rule parameter that must be a finite number ≥ 0 (NaN and negatives are refused)."""
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise InputError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


class Rule:
    """Base class: how one layer passes relevance to its input. The engine calls :meth:`hook` as
    the layer's forward hook (where :attr:`hooked`); a weighted-layer rule defines
    :meth:`output`, and the composite's first-layer rule takes its place where the layer reads
    the explained inputs."""

    #: a first-layer rule redistributes without reference to the input's values
    input_layer_only = False
    #: whether the rule needs a forward hook (False: relevance follows the plain gradient)
    hooked = True

    def output(
        self, module: nn.Module, x: torch.Tensor, z: torch.Tensor, aux: list[torch.Tensor]
    ) -> torch.Tensor:
        raise NotImplementedError

    def hook(self, module: nn.Module, args: tuple[Any, ...], out: Any, hooks: Hooks) -> Any:
        """The forward hook of a weighted layer: the layer's output with this rule's gradient
        (the first-layer rule's where the layer reads the inputs)."""
        x = args[0]
        first = hooks.composite.first_layer
        if first is not None and hooks.reads_inputs(x):
            return first.apply(module, x, out, hooks)
        columns = None if first is None else hooks.input_columns(x)
        if columns is not None:
            assert first is not None
            return self.split(first, module, x, out, columns, hooks)
        if self.input_layer_only:
            raise InputError(f"{self!r} is a first-layer rule; {type(module).__name__} is not")
        return self.apply(module, x, out, hooks)

    def apply(self, module: nn.Module, x: torch.Tensor, z: torch.Tensor, hooks: Hooks) -> Any:
        """:meth:`output` with its auxiliaries recorded for the input relevance."""
        aux: list[torch.Tensor] = []
        result = self.output(module, x, z, aux)
        hooks.record(x, aux)
        return result

    def split(
        self,
        first: Rule,
        module: nn.Module,
        x: torch.Tensor,
        z: torch.Tensor,
        columns: torch.Tensor,
        hooks: Hooks,
    ) -> torch.Tensor:
        """A dense layer reading the explained inputs' ``columns`` concatenated with other
        activations (the XAUGs beside a latent vector): its output is split between the two
        blocks as the ε-rule splits a sum (each block's share of z, the bias with the latent
        block), then the inputs' block follows the first-layer rule ``first`` and the other
        this rule — the same relevance as the layer written as two layers and a sum."""
        if not isinstance(module, nn.Linear):
            raise InputError(
                f"{type(module).__name__} reads the explained inputs concatenated with other "
                f"activations; the first-layer rule {first!r} splits only a Linear layer"
            )
        rest = torch.ones(x.shape[-1], dtype=torch.bool, device=x.device)
        rest[columns] = False
        inner = _columns(module, columns, bias=False)
        outer = _columns(module, torch.nonzero(rest).flatten(), bias=True)
        x_in, x_rest = x[..., columns], x[..., rest]
        y_in = first.apply(inner, x_in, F.linear(x_in, inner.weight), hooks)
        y_rest = self.apply(outer, x_rest, F.linear(x_rest, outer.weight, outer.bias), hooks)
        routed = epsilon_output(y_in + y_rest, hooks.composite.epsilon)
        return routed + (z - routed).detach()  # the layer's own value, to the last bit

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"


def _columns(module: nn.Linear, columns: torch.Tensor, bias: bool) -> nn.Linear:
    """The part of ``module`` that reads ``columns`` of its input (with its bias or not), as a
    layer of its own; its weights are a copy, outside the gradient (relevance needs none)."""
    part = nn.Linear(
        len(columns), module.out_features, bias=bias and module.bias is not None,
        device=module.weight.device, dtype=module.weight.dtype,
    )  # fmt: skip
    with torch.no_grad():
        part.weight.copy_(module.weight[:, columns])
        if part.bias is not None:
            part.bias.copy_(module.bias)
    return part.requires_grad_(False)


#: Rule classes by name.
RULES: Registry[type[Rule]] = Registry("LRP rule")


@RULES.register("epsilon")
class Epsilon(Rule):
    """ε-rule: R_i = Σ_j a_i w_ij / (z_j + ε·sign(z_j)) · R_j, z_j = Σ_i a_i w_ij + b_j.

    The bias and ε absorb relevance; ε = 0 is LRP-0. Here z_ρ = z, so the layer's own output
    is reused and nothing is recomputed."""

    def __init__(self, epsilon: float = 1e-6) -> None:
        self.epsilon = _non_negative("epsilon", epsilon)

    def output(self, module, x, z, aux):  # type: ignore[no-untyped-def]
        return epsilon_output(z, self.epsilon)


@RULES.register("gamma")
class Gamma(Rule):
    """γ-rule: R_i = Σ_j a_i (w_ij + γ w_ij⁺) / Σ_i a_i (w_ij + γ w_ij⁺) · R_j (bias likewise);
    favours positive contributions (Montavon et al. 2019)."""

    def __init__(self, gamma: float = 0.25, epsilon: float = 1e-6) -> None:
        self.gamma = _non_negative("gamma", gamma)
        self.epsilon = _non_negative("epsilon", epsilon)

    def output(self, module, x, z, aux):  # type: ignore[no-untyped-def]
        weight = module.weight + self.gamma * module.weight.clamp(min=0)
        bias = None if module.bias is None else module.bias + self.gamma * module.bias.clamp(min=0)
        return relevance_output(z, affine(module, x, weight, bias), self.epsilon)


@RULES.register("alpha_beta")
class AlphaBeta(Rule):
    """αβ-rule (Bach et al. 2015), α − β = 1:

        R_i = Σ_j (α (a_i w_ij)⁺ / Σ_i (a_i w_ij)⁺ − β (a_i w_ij)⁻ / Σ_i (a_i w_ij)⁻) R_j

    with (a w)⁺ = a⁺w⁺ + a⁻w⁻; biases are ignored."""

    def __init__(self, alpha: float = 1.0, beta: float = 0.0, epsilon: float = 1e-9) -> None:
        if not (alpha >= 0 and beta >= 0):  # also refuses NaN
            raise InputError(f"alpha and beta must be non-negative, got alpha={alpha}, beta={beta}")
        if abs(alpha - beta - 1.0) > 1e-9:
            raise InputError(f"alpha - beta must be 1, got alpha={alpha}, beta={beta}")
        self.alpha = alpha
        self.beta = beta
        self.epsilon = epsilon

    def output(self, module, x, z, aux):  # type: ignore[no-untyped-def]
        xp, xn = x.clamp(min=0), x.clamp(max=0)
        wp, wn = module.weight.clamp(min=0), module.weight.clamp(max=0)
        positive = affine(module, xp, wp, None) + affine(module, xn, wn, None)
        out = self.alpha * relevance_output(z, positive, self.epsilon)
        if self.beta:
            negative = affine(module, xp, wn, None) + affine(module, xn, wp, None)
            out = out - self.beta * relevance_output(z, negative, self.epsilon)
        # value: (α − β)·z = z; gradient: the αβ redistribution
        return out


@RULES.register("zplus")
class ZPlus(AlphaBeta):
    """z⁺-rule: R_i = Σ_j (a_i w_ij)⁺ / Σ_i (a_i w_ij)⁺ · R_j (αβ with α = 1, β = 0)."""

    def __init__(self, epsilon: float = 1e-9) -> None:
        super().__init__(alpha=1.0, beta=0.0, epsilon=epsilon)


@RULES.register("flat")
class Flat(Rule):
    """Flat rule (first layer): R_i = Σ_j 1 / n_j · R_j, n_j the number of inputs of unit j."""

    input_layer_only = True

    def output(self, module, x, z, aux):  # type: ignore[no-untyped-def]
        ones = torch.ones_like(x, requires_grad=True)
        aux.append(ones)
        return relevance_output(z, affine(module, ones, torch.ones_like(module.weight), None), 0.0)


@RULES.register("w_square")
class WSquare(Rule):
    """w²-rule (first layer): R_i = Σ_j w_ij² / Σ_i w_ij² · R_j."""

    input_layer_only = True

    def output(self, module, x, z, aux):  # type: ignore[no-untyped-def]
        ones = torch.ones_like(x, requires_grad=True)
        aux.append(ones)
        return relevance_output(z, affine(module, ones, module.weight**2, None), 0.0)


@RULES.register("zbox")
class ZBox(Rule):
    """z^B-rule for inputs bounded in [l, h] (first layer):

    R_i = Σ_j (a_i w_ij − l_i w_ij⁺ − h_i w_ij⁻) / Σ_i (a_i w_ij − l_i w_ij⁺ − h_i w_ij⁻) · R_j
    """

    input_layer_only = True

    def __init__(
        self,
        low: float | torch.Tensor = 0.0,
        high: float | torch.Tensor = 1.0,
        epsilon: float = 1e-9,
    ) -> None:
        self.low = low
        self.high = high
        self.epsilon = epsilon

    def output(self, module, x, z, aux):  # type: ignore[no-untyped-def]
        a = x.detach().clone().requires_grad_(True)
        low = (torch.zeros_like(x) + torch.as_tensor(self.low, dtype=x.dtype)).requires_grad_(True)
        high = (torch.zeros_like(x) + torch.as_tensor(self.high, dtype=x.dtype)).requires_grad_(
            True
        )
        aux.extend([a, low, high])
        wp, wn = module.weight.clamp(min=0), module.weight.clamp(max=0)
        z_box = (
            affine(module, a, module.weight, None)
            - affine(module, low, wp, None)
            - affine(module, high, wn, None)
        )
        return relevance_output(z, z_box, self.epsilon)


class _PassThrough(torch.autograd.Function):
    """Value y, gradient ∂/∂x = y / x (0 where x = 0): x ⊙ ∂f/∂x = y ⊙ ∂f/∂y."""

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, y: torch.Tensor
    ) -> torch.Tensor:
        ctx.save_for_backward(x, y)
        return y.clone()

    @staticmethod
    def backward(
        ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor
    ) -> tuple[torch.Tensor, None]:
        x, y = ctx.saved_tensors  # type: ignore[attr-defined]
        ratio = torch.div(y, x).nan_to_num_(nan=0.0, posinf=0.0, neginf=0.0)
        return ratio.mul_(grad), None


def pass_through(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Element-wise activations pass relevance unchanged: value y, gradient y / x (0 at x = 0,
    where no relevance can be carried)."""
    result: torch.Tensor = _PassThrough.apply(x, y.detach())
    return result
