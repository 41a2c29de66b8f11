"""Composites: which rule each kind of layer uses. Named composites live in a registry; users can
build their own ``Composite(layer_rules={nn.Linear: Epsilon(1e-3), nn.Conv2d: Gamma(0.5)},
first_layer=ZBox(-3, 3))``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from jetxai._registry import Registry
from jetxai.errors import InputError
from jetxai.explain.lrp.rules import (
    AlphaBeta,
    Epsilon,
    Flat,
    Gamma,
    Rule,
    WSquare,
    ZBox,
    ZPlus,
)

_DENSE = (nn.Linear,)
_CONV = (nn.Conv1d, nn.Conv2d)


@dataclass
class Composite:
    """Rules per layer type, an optional rule for the first layer that reads each input, and the
    ε used inside recurrent layers and for BatchNorm / pooling that is not folded away."""

    layer_rules: dict[type[nn.Module], Rule]
    first_layer: Rule | None = None
    epsilon: float = 1e-6
    #: the softmax rule inside attention: "attnlrp", "identity" or "cp" (see the engine)
    softmax: str = "attnlrp"
    name: str = "custom"
    options: dict[str, Any] = field(default_factory=dict)

    def rule_for(self, module: nn.Module, reads_input: bool) -> Rule | None:
        if reads_input and self.first_layer is not None:
            return self.first_layer
        for kind, rule in self.layer_rules.items():
            if isinstance(module, kind):
                if rule.input_layer_only:
                    raise InputError(
                        f"{rule!r} is a first-layer rule; {type(module).__name__} is not"
                    )
                return rule
        return None


def _all(rule: Rule) -> dict[type[nn.Module], Rule]:
    return dict.fromkeys((*_DENSE, *_CONV), rule)


def _epsilon(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(Epsilon(epsilon)), epsilon=epsilon)


def _epsilon_plus(epsilon: float = 1e-6) -> Composite:
    rules: dict[type[nn.Module], Rule] = dict.fromkeys(_DENSE, Epsilon(epsilon))
    rules |= dict.fromkeys(_CONV, ZPlus())
    return Composite(rules, epsilon=epsilon)


def _epsilon_gamma_box(
    epsilon: float = 1e-6, gamma: float = 0.25, low: float = 0.0, high: float = 1.0
) -> Composite:
    rules: dict[type[nn.Module], Rule] = dict.fromkeys(_DENSE, Epsilon(epsilon))
    rules |= dict.fromkeys(_CONV, Gamma(gamma))
    return Composite(rules, first_layer=ZBox(low, high), epsilon=epsilon)


def _gamma(gamma: float = 0.25, epsilon: float = 1e-6) -> Composite:
    return Composite(_all(Gamma(gamma, epsilon)), epsilon=epsilon)


def _zplus(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(ZPlus()), epsilon=epsilon)


def _alpha1_beta0(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(AlphaBeta(1.0, 0.0)), epsilon=epsilon)


def _alpha2_beta1(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(AlphaBeta(2.0, 1.0)), epsilon=epsilon)


def _epsilon_flat(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(Epsilon(epsilon)), first_layer=Flat(), epsilon=epsilon)


def _epsilon_wsquare(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(Epsilon(epsilon)), first_layer=WSquare(), epsilon=epsilon)


#: Named composites: name → factory taking the rule parameters by keyword.
COMPOSITES: Registry[Callable[..., Composite]] = Registry(
    "composite",
    {
        "epsilon": _epsilon,
        "epsilon_plus": _epsilon_plus,
        "epsilon_gamma_box": _epsilon_gamma_box,
        "gamma": _gamma,
        "zplus": _zplus,
        "alpha1_beta0": _alpha1_beta0,
        "alpha2_beta1": _alpha2_beta1,
        "epsilon_flat": _epsilon_flat,
        "epsilon_wsquare": _epsilon_wsquare,
    },
)


def build_composite(composite: str | Composite, **rule_args: Any) -> Composite:
    """A :class:`Composite` from a registered name and rule parameters (or pass one through)."""
    if isinstance(composite, Composite):
        if rule_args:
            raise InputError("rule parameters go into the Composite you built, not lrp()")
        check_softmax(composite.softmax)
        return composite
    softmax = check_softmax(rule_args.pop("softmax", "attnlrp"))
    factory = COMPOSITES[composite]
    accepted = set(inspect.signature(factory).parameters)
    unknown = sorted(set(rule_args) - accepted)
    if unknown:
        raise InputError(
            f"composite {composite!r} takes {', '.join(sorted(accepted))}; not {', '.join(unknown)}"
        )
    built = factory(**rule_args)
    built.name, built.options = composite, dict(rule_args)
    built.softmax = softmax
    if softmax != "attnlrp":
        built.options["softmax"] = softmax
    return built


#: The softmax rules inside attention (see :mod:`jetxai.explain.lrp.engine`).
SOFTMAX_RULES = ("attnlrp", "identity", "cp")


def check_softmax(rule: object) -> str:
    """``rule`` if it names a softmax rule, else a one-line error listing them."""
    if rule not in SOFTMAX_RULES:
        raise InputError(f"softmax rule must be one of {', '.join(SOFTMAX_RULES)}, got {rule!r}")
    return str(rule)
