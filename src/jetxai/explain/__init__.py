"""Explanations: layerwise relevance propagation (``lrp``), Integrated Gradients with physics
baselines (``integrated_gradients``, ``AveragedBaseline``, ``baselines.build``), exact Shapley
values of the XAUG input (``shapley``), reference methods, and ``attribute(model, inputs,
method=...)`` for all of them."""

from __future__ import annotations

from jetxai.explain import baselines
from jetxai.explain._common import NonFiniteAttributionWarning
from jetxai.explain.baselines import BASELINES, AveragedBaseline
from jetxai.explain.gradients import expected_gradients, gradient_x_input, saliency, smoothgrad
from jetxai.explain.integrated_gradients import integrated_gradients
from jetxai.explain.lrp import COMPOSITES, RULES, Composite, lrp
from jetxai.explain.methods import METHODS, attribute
from jetxai.explain.quadrature import QUADRATURES
from jetxai.explain.shapley import shapley

__all__ = [
    "BASELINES",
    "COMPOSITES",
    "METHODS",
    "QUADRATURES",
    "RULES",
    "AveragedBaseline",
    "Composite",
    "NonFiniteAttributionWarning",
    "attribute",
    "baselines",
    "expected_gradients",
    "gradient_x_input",
    "integrated_gradients",
    "lrp",
    "saliency",
    "shapley",
    "smoothgrad",
]
