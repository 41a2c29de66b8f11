"""Layerwise relevance propagation for jetxai's taggers (and any model built of the covered
layers): rules, composites, canonizers and the engine."""

from __future__ import annotations

from jetxai.explain.lrp.canonizers import BatchNormFolding
from jetxai.explain.lrp.composites import COMPOSITES, Composite, build_composite
from jetxai.explain.lrp.engine import (
    CancellationWarning,
    ConservationWarning,
    Decomposition,
    LRPHooks,
    lrp,
    lrp_decomposition,
)
from jetxai.explain.lrp.layer_rules import LAYER_RULES, SOFTMAX_RULES, register_elementwise
from jetxai.explain.lrp.rules import (
    RULES,
    AlphaBeta,
    Epsilon,
    Flat,
    Gamma,
    Rule,
    WSquare,
    ZBox,
    ZPlus,
)

__all__ = [
    "COMPOSITES",
    "LAYER_RULES",
    "RULES",
    "SOFTMAX_RULES",
    "AlphaBeta",
    "BatchNormFolding",
    "CancellationWarning",
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
