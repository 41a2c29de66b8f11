"""Explanations: layerwise relevance propagation (``lrp``) with rules and composites."""

from __future__ import annotations

from jetxai.explain.lrp import COMPOSITES, RULES, Composite, lrp

__all__ = ["COMPOSITES", "RULES", "Composite", "lrp"]
