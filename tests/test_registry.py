"""The one registry shape."""

from __future__ import annotations

import pytest

from jetxai._registry import Registry
from jetxai.errors import InputError


def test_register_add_and_a_clear_error_for_unknown_names() -> None:
    shapes = Registry("shape", {"square": 4})

    @shapes.register("triangle")
    def triangle() -> int:
        return 3

    assert shapes["triangle"] is triangle
    assert shapes.add("hexagon", 6) == 6
    assert shapes.names() == ["hexagon", "square", "triangle"]
    with pytest.raises(InputError, match="unknown shape 'circle'; choose from hexagon, square"):
        shapes["circle"]
    with pytest.raises(ValueError, match="shape 'square' is already registered"):
        shapes.add("square", 5)
    assert shapes["square"] == 4


def test_every_registry_of_the_package_is_one_shape() -> None:
    from jetxai.catalogue import PROCESSES
    from jetxai.explain import BASELINES, COMPOSITES, METHODS, QUADRATURES, RULES
    from jetxai.features import FEATURES, VARIABLES
    from jetxai.features.nsubjettiness import AXES
    from jetxai.models import MODELS

    registries = (PROCESSES, BASELINES, COMPOSITES, METHODS, QUADRATURES, RULES)
    registries += (FEATURES, VARIABLES, AXES, MODELS)
    for registry in registries:
        assert isinstance(registry, Registry)
        assert len(registry) > 1
        with pytest.raises(InputError, match=f"unknown {registry.kind}"):
            registry["no-such-name"]
