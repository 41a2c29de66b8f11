"""A model's full description: architecture, inputs and standardisation, as JSON-ready data.

The spec is everything needed to rebuild a trained tagger and to turn jets into its inputs
exactly as in training; a checkpoint is a spec (JSON) plus weights (safetensors).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from jetxai.errors import InputError

SPEC_VERSION = 1
#: Bounds a spec must respect (far above any jetxai tagger; a file beyond them is not ours).
MAX_WIDTH = 4096
MAX_LAYERS = 16
MAX_CONSTITUENTS = 10_000
MAX_IMAGE_BINS = 1024


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _count(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(f"model spec: {name} must be an integer in [{low}, {high}], got {value!r}")


def _strings(name: str, values: object) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InputError(f"model spec: {name} must be a list of names")


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
    classes: the processes of a multi-class tagger, in the order of its logits (empty: a
        binary tagger, one signal logit).
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
    classes: list[str] = field(default_factory=list)

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
        spec = cls(**raw)
        spec.check()
        return spec

    def check(self) -> None:
        """Refuse, before anything is allocated, a spec no jetxai training writes: wrong types,
        sizes out of range, standardisations of the wrong length or with non-finite values or
        zero spreads."""
        if not isinstance(self.name, str):
            raise InputError(f"model spec: name must be text, got {self.name!r}")
        _strings("xaug", self.xaug)
        _strings("constituent_fields", self.constituent_fields)
        _strings("classes", self.classes)
        if len(self.classes) == 1 or len(set(self.classes)) != len(self.classes):
            raise InputError(f"model spec: classes must be two or more names, got {self.classes}")
        _count("n_constituents", self.n_constituents, 0, MAX_CONSTITUENTS)
        _count("image_bins", self.image_bins, 0, MAX_IMAGE_BINS)
        if not _finite(self.image_extent) or self.image_extent <= 0:
            raise InputError(
                f"model spec: image_extent must be positive, got {self.image_extent!r}"
            )
        if not isinstance(self.options, dict):
            raise InputError("model spec: options must be a mapping")
        for key, value in self.options.items():
            sizes = value if isinstance(value, list) else [value]
            if not sizes or len(sizes) > MAX_LAYERS:
                raise InputError(f"model spec: option {key!r} has {len(sizes)} layers")
            for size in sizes:
                if isinstance(size, bool) and len(sizes) == 1:  # a switch (batch_norm, …)
                    continue
                if isinstance(size, float) and key == "dropout" and 0.0 <= size < 1.0:
                    continue
                _count(f"option {key!r}", size, 1, MAX_WIDTH)
        for prefix, names in (("xaug", self.xaug), ("constituent", self.constituent_fields)):
            mean, std = getattr(self, f"{prefix}_mean"), getattr(self, f"{prefix}_std")
            for label, values in ((f"{prefix}_mean", mean), (f"{prefix}_std", std)):
                if not isinstance(values, list) or len(values) not in (0, len(names)):
                    raise InputError(
                        f"model spec: {label} needs {len(names)} values, got "
                        f"{len(values) if isinstance(values, list) else type(values).__name__}"
                    )
                if not all(_finite(v) for v in values):
                    raise InputError(f"model spec: {label} holds a non-finite or non-numeric value")
            if any(v <= 0 for v in std):
                raise InputError(f"model spec: {prefix}_std holds a zero or negative spread")
        if not isinstance(self.data, dict):
            raise InputError("model spec: data must be a mapping")
