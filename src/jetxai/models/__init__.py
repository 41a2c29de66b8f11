"""Jet taggers with optional XAUG concatenation before the final dense layers.

``MODELS`` is the registry; ``build(spec)`` makes a tagger, ``save`` / ``load`` store it as
safetensors + JSON, and ``prepare_inputs(model, jets)`` returns ``(inputs,
additional_forward_args)`` so that ``model(*inputs, *additional_forward_args)`` gives logits.
"""

from __future__ import annotations

from jetxai.models.checkpoint import load, save
from jetxai.models.inputs import prepare_inputs
from jetxai.models.part import ParticleTransformer
from jetxai.models.particlenet import ParticleNet
from jetxai.models.registry import MODELS, ModelEntry, build, default_spec, register, register_model
from jetxai.models.spec import ModelSpec
from jetxai.models.taggers import CNN, DNN, EFN, GRU, LSTM, PFN, Tagger

__all__ = [
    "CNN",
    "DNN",
    "EFN",
    "GRU",
    "LSTM",
    "MODELS",
    "PFN",
    "ModelEntry",
    "ModelSpec",
    "ParticleNet",
    "ParticleTransformer",
    "Tagger",
    "build",
    "default_spec",
    "load",
    "prepare_inputs",
    "register",
    "register_model",
    "save",
]
