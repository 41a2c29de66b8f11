"""Composites: the layer → rule map of one explanation, as data. Named composites live in a
registry; users can build their own ``Composite(layer_rules={nn.Linear: Epsilon(1e-3),
nn.Conv2d: Gamma(0.5)}, first_layer=ZBox(-3, 3), module_rules={"head.out": Epsilon(0.1)})``.

A composite's map is the default rules of :data:`jetxai.explain.lrp.layer_rules.LAYER_RULES`
(activations, sums, products, normalisations, taps, recurrent layers), the softmax rule it
names, and its own rules for module types (``layer_rules``) and for modules by qualified name
(``module_rules``), the most specific winning.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from jetxai._registry import Registry
from jetxai.errors import InputError
from jetxai.explain.lrp.layer_rules import LAYER_RULES, SOFTMAX_RULES, rule_of
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
    """Rules per layer type and per named module, an optional rule for the first layer that
    reads each input, and the ε used inside recurrent layers and for sums and BatchNorm that is
    not folded away."""

    layer_rules: dict[type[nn.Module], Rule]
    first_layer: Rule | None = None
    epsilon: float = 1e-6
    #: the softmax rule inside attention, a name in SOFTMAX_RULES (see the engine)
    softmax: str = "attnlrp"
    name: str = "custom"
    options: dict[str, Any] = field(default_factory=dict)
    #: rules for single modules by qualified name (``model.named_modules()``)
    module_rules: dict[str, Rule] = field(default_factory=dict)

    def rules(self) -> dict[type[nn.Module], Rule]:
        """The layer-type → rule map: the defaults, the softmax rule, the composite's own."""
        return LAYER_RULES | {nn.Softmax: SOFTMAX_RULES[self.softmax]} | self.layer_rules

    def rule_for(
        self, module: nn.Module, name: str = "", table: dict[type[nn.Module], Rule] | None = None
    ) -> Rule | None:
        """The rule of ``module`` (qualified name ``name``); ``table``: :meth:`rules`, when the
        caller has it already."""
        if name in self.module_rules:
            return self.module_rules[name]
        return rule_of(self.rules() if table is None else table, module)


#: Named composites: name → factory taking the rule parameters by keyword.
COMPOSITES: Registry[Callable[..., Composite]] = Registry("composite")


def _all(rule: Rule) -> dict[type[nn.Module], Rule]:
    return dict.fromkeys((*_DENSE, *_CONV), rule)


@COMPOSITES.register("epsilon")
def _epsilon(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(Epsilon(epsilon)), epsilon=epsilon)


@COMPOSITES.register("epsilon_plus")
def _epsilon_plus(epsilon: float = 1e-6) -> Composite:
    rules: dict[type[nn.Module], Rule] = dict.fromkeys(_DENSE, Epsilon(epsilon))
    rules |= dict.fromkeys(_CONV, ZPlus())
    return Composite(rules, epsilon=epsilon)


@COMPOSITES.register("epsilon_gamma_box")
def _epsilon_gamma_box(
    epsilon: float = 1e-6, gamma: float = 0.25, low: float = 0.0, high: float = 1.0
) -> Composite:
    rules: dict[type[nn.Module], Rule] = dict.fromkeys(_DENSE, Epsilon(epsilon))
    rules |= dict.fromkeys(_CONV, Gamma(gamma))
    return Composite(rules, first_layer=ZBox(low, high), epsilon=epsilon)


@COMPOSITES.register("gamma")
def _gamma(gamma: float = 0.25, epsilon: float = 1e-6) -> Composite:
    return Composite(_all(Gamma(gamma, epsilon)), epsilon=epsilon)


@COMPOSITES.register("zplus")
def _zplus(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(ZPlus()), epsilon=epsilon)


@COMPOSITES.register("alpha1_beta0")
def _alpha1_beta0(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(AlphaBeta(1.0, 0.0)), epsilon=epsilon)


@COMPOSITES.register("alpha2_beta1")
def _alpha2_beta1(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(AlphaBeta(2.0, 1.0)), epsilon=epsilon)


@COMPOSITES.register("epsilon_flat")
def _epsilon_flat(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(Epsilon(epsilon)), first_layer=Flat(), epsilon=epsilon)


@COMPOSITES.register("epsilon_wsquare")
def _epsilon_wsquare(epsilon: float = 1e-6) -> Composite:
    return Composite(_all(Epsilon(epsilon)), first_layer=WSquare(), epsilon=epsilon)


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


def check_softmax(rule: object) -> str:
    """``rule`` if it names a softmax rule, else a one-line error listing them."""
    return SOFTMAX_RULES.choose(rule)
