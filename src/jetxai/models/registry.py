"""The registry of named taggers and how to build one from its spec."""

from __future__ import annotations

from dataclasses import dataclass

from jetxai._registry import Registry
from jetxai.errors import InputError
from jetxai.features.constituents import DEFAULT_FIELDS
from jetxai.models.part import ParticleTransformer
from jetxai.models.particlenet import ParticleNet
from jetxai.models.spec import ModelSpec
from jetxai.models.taggers import CNN, DNN, EFN, GRU, LSTM, PFN, Tagger


@dataclass(frozen=True)
class ModelEntry:
    """A registered tagger: its class, what it reads, and its input defaults."""

    cls: type[Tagger]
    description: str
    constituent_fields: tuple[str, ...] = ()
    standardise_constituents: bool = True
    image_bins: int = 0


MODELS: Registry[ModelEntry] = Registry(
    "model",
    {
        "dnn": ModelEntry(DNN, "dense network on XAUG variables only"),
        "cnn": ModelEntry(CNN, "CNN on jet images", image_bins=32),
        "pfn": ModelEntry(PFN, "Particle Flow Network on constituents", DEFAULT_FIELDS),
        # the EFN's pT fractions are its IRC-safe weights: they must not be standardised
        "efn": ModelEntry(
            EFN, "Energy Flow Network on (z, angles)", ("pt_rel", "deta", "dphi"), False
        ),
        "lstm": ModelEntry(LSTM, "LSTM on pT-ordered constituents", DEFAULT_FIELDS),
        "gru": ModelEntry(GRU, "GRU on pT-ordered constituents", DEFAULT_FIELDS),
        "particlenet": ModelEntry(
            ParticleNet, "ParticleNet: EdgeConv on the particle cloud", DEFAULT_FIELDS
        ),
        "part": ModelEntry(
            ParticleTransformer,
            "Particle Transformer: attention with a pairwise-interaction bias",
            DEFAULT_FIELDS,
        ),
    },
)


def register_model(name: str, entry: ModelEntry) -> ModelEntry:
    """Add a tagger family: ``entry.cls`` is a :class:`~jetxai.models.taggers.Tagger` subclass
    built from a :class:`~jetxai.models.spec.ModelSpec`; training, checkpoints, evaluation and
    explanation then take it by ``name``."""
    return MODELS.add(name, entry)


def entry(name: str) -> ModelEntry:
    """The registry entry of ``name`` (a clear error for unknown names)."""
    return MODELS[name]


def default_spec(name: str, xaug: list[str], n_constituents: int = 64) -> ModelSpec:
    """A spec with the registry's input defaults for model ``name`` (standardisation unset)."""
    model = entry(name)
    if name == "dnn" and not xaug:
        raise InputError("the dnn tagger needs XAUG variables (--xaug)")
    constituent = model.cls.representation == "constituents"
    return ModelSpec(
        name=name,
        xaug=list(xaug),
        constituent_fields=list(model.constituent_fields),
        n_constituents=n_constituents if constituent else 0,
        image_bins=model.image_bins,
    )


def build(spec: ModelSpec) -> Tagger:
    """An untrained tagger for ``spec``; the spec is kept as ``model.spec``."""
    model = entry(spec.name)
    kwargs = dict(spec.options)
    kwargs["n_xaug"] = len(spec.xaug)
    if model.cls.representation == "constituents":
        kwargs["n_features"] = len(spec.constituent_fields)
    if model.cls.representation == "images":
        kwargs["bins"] = spec.image_bins
    kwargs.update(model.cls.spec_options(spec))
    try:
        tagger = model.cls(**kwargs)
    except TypeError as exc:
        raise InputError(f"bad options for model {spec.name!r}: {exc}") from None
    tagger.spec = spec
    return tagger
