"""A model's full description: architecture, inputs and standardisation, as JSON-ready data.

The spec is everything needed to rebuild a trained tagger and to turn jets into its inputs
exactly as in training; a checkpoint is a spec (JSON) plus weights (safetensors).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from jetxai.errors import InputError

SPEC_VERSION = 1


@dataclass
class ModelSpec:
    """Attributes:
    name: registry key of the architecture (``jetxai.models.MODELS``).
    xaug: XAUG variable names fed to the final layers (empty for none).
    options: constructor hyper-parameters (hidden sizes, …).
    constituent_fields, n_constituents: constituent-list input (set and recurrent models).
    image_bins, image_extent: jet-image input (cnn).
    xaug_mean, xaug_std: standardisation of the XAUG vector, fitted on training data.
    constituent_mean, constituent_std: per-field standardisation of real constituents.
    data: provenance (dataset manifests' hashes, processes, signal definition, seed).
    """

    name: str
    xaug: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    constituent_fields: list[str] = field(default_factory=list)
    n_constituents: int = 0
    image_bins: int = 0
    image_extent: float = 1.0
    xaug_mean: list[float] = field(default_factory=list)
    xaug_std: list[float] = field(default_factory=list)
    constituent_mean: list[float] = field(default_factory=list)
    constituent_std: list[float] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"spec_version": SPEC_VERSION, **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ModelSpec:
        raw = dict(raw)
        version = raw.pop("spec_version", None)
        if version != SPEC_VERSION:
            raise InputError(
                f"unsupported model spec version {version!r} (expected {SPEC_VERSION})"
            )
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise InputError(f"unknown model spec field(s): {', '.join(unknown)}")
        return cls(**raw)
