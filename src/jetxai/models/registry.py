"""The registry of named taggers and how to build one from its spec."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from jetxai._registry import Registry
from jetxai.errors import InputError
from jetxai.features.constituents import DEFAULT_FIELDS
from jetxai.models.spec import ModelSpec
from jetxai.models.tagger import Tagger

T = TypeVar("T", bound=Tagger)
#: What a tagger can read.
REPRESENTATIONS = ("xaug", "images", "constituents")


@dataclass(frozen=True)
class ModelEntry:
    """A registered tagger: its class, what it reads, and its input defaults."""

    cls: type[Tagger]
    description: str
    constituent_fields: tuple[str, ...] = ()
    standardise_constituents: bool = True
    image_bins: int = 0


#: The taggers by name, registered at their definitions with :func:`register`.
MODELS: Registry[ModelEntry] = Registry("model")


def register_model(name: str, entry: ModelEntry) -> ModelEntry:
    """Add a tagger family: ``entry.cls`` is a :class:`~jetxai.models.taggers.Tagger` subclass
    built from a :class:`~jetxai.models.spec.ModelSpec`; training, checkpoints, evaluation and
    explanation then take it by ``name``."""
    return MODELS.add(name, entry)


def register(
    name: str,
    description: str = "",
    constituent_fields: Sequence[str] | None = None,
    standardise_constituents: bool = True,
    image_bins: int = 0,
) -> Callable[[type[T]], type[T]]:
    """Class decorator putting a user's tagger into the whole pipeline under ``name``::

        @jetxai.models.register("mytagger", "EdgeConv + attention", constituent_fields=...)
        class MyTagger(jetxai.models.Tagger):
            representation = "constituents"
            def __init__(self, n_features, n_xaug=0, width=64): ...
            def forward(self, constituents, *rest): ...  # rest: XAUG vector (if any), mask

    The class reads ``representation`` ("xaug", "images" or "constituents") and is built with
    ``n_xaug`` (and ``n_features`` / ``bins``) plus the options of its spec; ``jetxai train
    --model name``, checkpoints, evaluation and every attribution method then take it (a
    checkpoint loads where the class is registered again). ``constituent_fields`` defaults to
    every constituent feature for constituent models. LRP explains it when its modules are
    covered; the first uncovered one is named.
    """

    def decorate(cls: type[T]) -> type[T]:
        if not (isinstance(cls, type) and issubclass(cls, Tagger)):
            raise InputError(f"register({name!r}): {cls!r} is not a jetxai.models.Tagger subclass")
        if cls.representation not in REPRESENTATIONS:
            raise InputError(
                f"register({name!r}): representation must be one of "
                f"{', '.join(REPRESENTATIONS)}, got {cls.representation!r}"
            )
        fields = constituent_fields
        if fields is None:
            fields = DEFAULT_FIELDS if cls.representation == "constituents" else ()
        register_model(
            name,
            ModelEntry(
                cls,
                description or (cls.__doc__ or name).strip().splitlines()[0],
                tuple(fields),
                standardise_constituents,
                image_bins or (32 if cls.representation == "images" else 0),
            ),
        )
        return cls

    return decorate


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


def preset_options(name: str, preset: str | None) -> dict[str, object]:
    """The options of model ``name``'s ``preset`` (None: none); an unknown preset is an error
    naming the model's."""
    if preset is None:
        return {}
    presets = entry(name).cls.presets
    if preset not in presets:
        known = ", ".join(presets) or "none"
        raise InputError(f"model {name!r} has no preset {preset!r} (its presets: {known})")
    return dict(presets[preset])


def architecture(name: str, preset: str | None = None) -> str:
    """What a report calls model ``name`` built with ``preset``: its name, or, for the small
    defaults of a tagger that has a published architecture (ParT, ParticleNet) and no preset,
    its "…-like (small)" label, so it is not mistaken for the paper's network."""
    if name not in MODELS:
        return name
    label = entry(name).cls.small_label
    return label if label is not None and preset is None else name


def build(
    spec: ModelSpec | str,
    preset: str | None = None,
    xaug: Sequence[str] = (),
    n_constituents: int = 64,
) -> Tagger:
    """An untrained tagger for ``spec``; the spec is kept as ``model.spec``. Or by name with
    the registry's inputs (:func:`default_spec`), ``xaug`` and a ``preset`` of options
    (``build("particlenet", preset="paper")``)."""
    if isinstance(spec, str):
        named = default_spec(spec, list(xaug), n_constituents)
        named.options = preset_options(spec, preset)
        spec = named
    elif preset is not None:
        spec.options = preset_options(spec.name, preset) | dict(spec.options)
    model = entry(spec.name)
    kwargs = dict(spec.options)
    kwargs["n_xaug"] = len(spec.xaug)
    if model.cls.representation == "constituents":
        kwargs["n_features"] = len(spec.constituent_fields)
    if model.cls.representation == "images":
        kwargs["bins"] = spec.image_bins
    kwargs.update(model.cls.spec_options(spec))
    spec.check()
    model.cls.check_options(spec)
    try:
        tagger = model.cls(**kwargs)
    except TypeError as exc:
        raise InputError(f"bad options for model {spec.name!r}: {exc}") from None
    if spec.classes:
        from jetxai.models.layers import Head

        head = getattr(tagger, "head", None)
        if not isinstance(head, Head):
            raise InputError(
                f"model {spec.name!r} has no jetxai Head for its final layers, so it cannot "
                "have one logit per class"
            )
        head.set_outputs(len(spec.classes))
    tagger.spec = spec
    return tagger
