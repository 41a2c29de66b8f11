"""Layerwise relevance propagation for jetxai's taggers (and any model built of the covered
layers): rules, composites, canonizers and the engine."""

from __future__ import annotations

from jetxai._registry import Registry
from jetxai.explain.lrp.canonizers import BatchNormFolding
from jetxai.explain.lrp.composites import COMPOSITES, SOFTMAX_RULES, Composite, build_composite
from jetxai.explain.lrp.engine import (
    ConservationWarning,
    Decomposition,
    LRPHooks,
    lrp,
    lrp_decomposition,
    register_elementwise,
)
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

#: Rule classes by name.
RULES: Registry[type[Rule]] = Registry(
    "LRP rule",
    {
        "epsilon": Epsilon,
        "gamma": Gamma,
        "zplus": ZPlus,
        "alpha_beta": AlphaBeta,
        "flat": Flat,
        "w_square": WSquare,
        "zbox": ZBox,
    },
)

__all__ = [
    "COMPOSITES",
    "RULES",
    "SOFTMAX_RULES",
    "AlphaBeta",
    "BatchNormFolding",
    "Composite",
    "ConservationWarning",
    "Decomposition",
    "Epsilon",
    "Flat",
    "Gamma",
    "LRPHooks",
    "Rule",
    "WSquare",
    "ZBox",
    "ZPlus",
    "build_composite",
    "lrp",
    "lrp_decomposition",
    "register_elementwise",
]
