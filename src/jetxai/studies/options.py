"""How a study explains its networks: one typed set of options with its defaults, shared by
:func:`jetxai.studies.explain.explain_run`, ``jetxai explain`` and the studies.

The names are checked against the registries they come from (methods, LRP composites, IG
baselines), so the command line offers exactly what is registered.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from jetxai._registry import choose
from jetxai.errors import InputError

#: How the background jets of a baseline are weighted: ``uniform`` (every jet alike) or
#: ``xsec`` (each jet by its process's σ / events tried).
BACKGROUND_WEIGHTS = ("uniform", "xsec")
#: The attribution methods a study runs on whole networks (``shapley``: exact Shapley values of
#: the XAUG input against the averaged baseline's background jets).
STUDY_METHODS = ("lrp", "ig", "shapley")


@dataclass(frozen=True)
class ExplainOptions:
    """Options of one explanation run.

    Attributes:
        method: ``lrp``, ``ig`` or ``shapley`` (the XAUG input's exact Shapley values, the
            background jets of the ``averaged`` baseline as the reference distribution).
        composite: LRP composite (a name in :data:`jetxai.explain.COMPOSITES`).
        epsilon, gamma: LRP rule parameters (``None``: the composite's defaults).
        softmax: LRP's rule for attention softmaxes (:data:`jetxai.explain.lrp.SOFTMAX_RULES`).
        baseline: IG baseline (a name in :data:`jetxai.explain.BASELINES`), built from the
            background jets of the network's training split.
        weights: how those background jets are weighted (:data:`BACKGROUND_WEIGHTS`).
        k: background jets drawn for the ``averaged`` baseline.
        n_steps: IG quadrature points, ``"auto"``: per jet, a nested trapezoid rule refined
            until the completeness delta is at most ``tolerance`` · |f(x) − f̄(x′)|, or
            ``"exact"``: a piecewise-linear tagger integrated between the kinks on each path.
        tolerance: relative completeness tolerance of adaptive steps (``None``: 1 % with
            ``"auto"``, fixed steps otherwise).
        max_jets: explain at most this many test jets (``None``: all), half signal and half
            background where the test split has them, drawn at random with a fixed seed.
        batch_size: jets per batch.
    """

    method: str = "lrp"
    composite: str = "epsilon"
    epsilon: float | None = None
    gamma: float | None = None
    softmax: str = "attnlrp"
    baseline: str = "averaged"
    weights: str = "uniform"
    k: int = 16
    n_steps: int | str = 32
    tolerance: float | None = None
    max_jets: int | None = None
    batch_size: int = 512

    def __post_init__(self) -> None:
        from jetxai.explain import BASELINES, COMPOSITES

        choose(self.method, STUDY_METHODS, "method")
        from jetxai.explain.lrp.composites import check_softmax

        COMPOSITES[self.composite]
        BASELINES[self.baseline]
        check_softmax(self.softmax)
        choose(self.weights, BACKGROUND_WEIGHTS, "background weights")
        if self.n_steps not in ("auto", "exact") and (
            not isinstance(self.n_steps, int) or isinstance(self.n_steps, bool) or self.n_steps < 1
        ):
            raise InputError(
                f"n_steps must be a positive integer, 'auto' or 'exact', got {self.n_steps!r}"
            )
        if self.n_steps == "exact" and self.tolerance is not None:
            raise InputError("exact IG steps take no tolerance")
        if self.tolerance is not None and not self.tolerance > 0:
            raise InputError(f"tolerance must be positive, got {self.tolerance!r}")
        for name in ("k", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(f"{name} must be a positive integer, got {value!r}")
        if self.max_jets is not None and self.max_jets < 1:
            raise InputError(f"max_jets must be positive, got {self.max_jets}")
        if self.method == "shapley" and self.baseline != "averaged":
            raise InputError(
                "shapley values take the background jets as their reference distribution: "
                f"use the averaged baseline (--baseline averaged), not {self.baseline!r}"
            )

    def with_changes(self, **changes: Any) -> ExplainOptions:
        """A copy with ``changes``; an unknown option is an error naming it."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise InputError(f"unknown explanation option(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **changes)

    def method_options(self) -> dict[str, Any]:
        """What the method itself is given (LRP: composite and rule parameters; IG: steps)."""
        if self.method == "lrp":
            rules = {"epsilon": self.epsilon, "gamma": self.gamma}
            chosen = {k: v for k, v in rules.items() if v is not None}
            return {"composite": self.composite, "softmax": self.softmax} | chosen
        if self.method == "shapley":
            return {}
        adaptive = {"tolerance": self.tolerance} if self.tolerance is not None else {}
        return {"n_steps": self.n_steps} | adaptive

    def recorded(self) -> dict[str, Any]:
        """The options that shaped the result, as ranking.json records them."""
        if self.method == "lrp":
            return self.method_options()
        return {
            "baseline": self.baseline,
            "weights": self.weights,
            "k": self.k,
        } | self.method_options()
