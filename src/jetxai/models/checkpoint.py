"""Checkpoints: weights in safetensors and the spec in JSON; nothing is ever unpickled.

A checkpoint is a directory holding ``model.safetensors`` and ``model.json``; both are written
under temporary names and renamed, so an interrupted save never leaves a half-written model.
The weights file carries a ``stamp`` in its own metadata (the training run's config hash), so
weights are only ever reused by the run that made them, whatever else a crash left behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from jetxai._io import read_json_object, save_tensors, write_json
from jetxai.errors import InputError
from jetxai.models.registry import build
from jetxai.models.spec import ModelSpec
from jetxai.models.taggers import Tagger

WEIGHTS = "model.safetensors"
SPEC = "model.json"


def save(model: Tagger, directory: str | os.PathLike[str], stamp: str = "") -> Path:
    """Save ``model`` (built by :func:`jetxai.models.build`) into ``directory``, its weights
    marked with ``stamp``."""
    spec = getattr(model, "spec", None)
    if not isinstance(spec, ModelSpec):
        raise InputError("model has no jetxai spec; build it with jetxai.models.build")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_tensors(directory / WEIGHTS, state, {"stamp": stamp})
    write_json(directory / SPEC, spec.to_dict())
    return directory


def weights_stamp(directory: str | os.PathLike[str]) -> str | None:
    """The stamp a checkpoint's weights were saved with (None if unreadable or absent)."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(Path(directory) / WEIGHTS), framework="pt") as handle:
            return (handle.metadata() or {}).get("stamp")
    except (SafetensorError, OSError):
        return None


def read_spec(path: str | os.PathLike[str]) -> ModelSpec:
    """The checked spec of a checkpoint directory (or its model.json), without its weights."""
    path = Path(path)
    spec_path = path if path.name == SPEC else path / SPEC
    raw = read_json_object(spec_path)
    try:
        return ModelSpec.from_dict(raw)
    except InputError as exc:
        raise InputError(f"{spec_path}: {exc}") from None
    except TypeError as exc:
        raise InputError(f"{spec_path}: not a model spec ({exc})") from None


def load(path: str | os.PathLike[str], device: str | torch.device = "cpu") -> Tagger:
    """Rebuild a saved tagger in eval mode from its checkpoint directory (or its model.json)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    directory = path.parent if path.name == SPEC else path
    if not (directory / SPEC).is_file() or not (directory / WEIGHTS).is_file():
        raise InputError(f"{path}: not a jetxai checkpoint (needs {SPEC} and {WEIGHTS})")
    model = build(read_spec(directory))
    try:
        state = load_file(str(directory / WEIGHTS), device=str(device))
    except (SafetensorError, OSError) as exc:
        raise InputError(f"{directory / WEIGHTS}: cannot read weights ({exc})") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"{directory}: weights do not fit the spec ({first})") from None
    bad = sorted(
        k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()
    )
    if bad:
        raise InputError(f"{directory / WEIGHTS}: non-finite values in {', '.join(bad[:3])}")
    return model.to(device).eval()
