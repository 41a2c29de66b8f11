"""Expert (XAUG) jet-substructure variables and low-level representations.

- ``xaug(jets, names)``: per-jet expert variables (:data:`XAUG_NAMES`), pure array functions;
- ``constituents(jets, n, fields)``: padded, pT-ordered constituent features and mask;
- ``images(jets, bins, extent, ...)``: preprocessed jet images;
- ``add_xaug(path)``: add XAUG columns to a dataset on disk, chunk by chunk.

Units: GeV and radians. Substructure angles are measured in (rapidity, φ) as FastJet does;
constituent and image coordinates in (pseudorapidity, φ).
"""

from __future__ import annotations

from jetxai.features.constituents import DEFAULT_FIELDS, FEATURES, constituents
from jetxai.features.images import images
from jetxai.features.registry import VARIABLES, XAUG_NAMES, register_variable, xaug
from jetxai.features.stream import add_xaug, column

__all__ = [
    "DEFAULT_FIELDS",
    "FEATURES",
    "VARIABLES",
    "XAUG_NAMES",
    "add_xaug",
    "column",
    "constituents",
    "images",
    "register_variable",
    "xaug",
]
