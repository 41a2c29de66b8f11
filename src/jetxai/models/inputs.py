"""Turning jets into a tagger's inputs exactly as in training (features, standardisation, masks)."""

from __future__ import annotations

from typing import Any

import awkward as ak
import numpy as np
import numpy.typing as npt
import torch

from jetxai.data.schema import EVENT_FEATURES
from jetxai.errors import InputError
from jetxai.features import column, constituents, images, xaug
from jetxai.models.spec import ModelSpec


def xaug_matrix(jets: ak.Array, names: list[str]) -> npt.NDArray[np.float64]:
    """(N, K) XAUG values: stored ``xaug_<name>`` columns where present, computed otherwise.

    Event features (:data:`~jetxai.data.schema.EVENT_FEATURES`) are read from their own columns
    of an event dataset, so the same dense net serves jets and events.
    """
    fields = set(ak.fields(jets))
    stored = {
        n: ak.to_numpy(jets[column(n)]).astype(np.float64) for n in names if column(n) in fields
    }
    for name in names:
        if name in EVENT_FEATURES and name not in stored:
            if name not in fields:
                raise InputError(f"event feature {name!r} is not in the data")
            stored[name] = ak.to_numpy(jets[name]).astype(np.float64)
    missing = [n for n in names if n not in stored]
    computed = xaug(jets, missing) if missing else {}
    return np.stack([stored[n] if n in stored else computed[n] for n in names], axis=1)


def raw_inputs(spec: ModelSpec, jets: ak.Array) -> dict[str, npt.NDArray[Any]]:
    """The unstandardised arrays a model of ``spec`` reads: any of xaug, constituents + mask,
    images."""
    from jetxai.models.registry import entry

    representation = entry(spec.name).cls.representation
    out: dict[str, npt.NDArray[Any]] = {}
    if representation == "constituents":
        out["constituents"], out["mask"] = constituents(
            jets, n=spec.n_constituents, fields=spec.constituent_fields
        )
    elif representation == "images":
        out["images"] = images(jets, bins=spec.image_bins, extent=spec.image_extent)
    if spec.xaug:
        out["xaug"] = xaug_matrix(jets, spec.xaug)
    return out


def fit_standardisation(spec: ModelSpec, raw: dict[str, npt.NDArray[Any]]) -> None:
    """Set the spec's standardisation from (training) arrays: mean and std per feature."""
    from jetxai.models.registry import entry

    def stats(values: npt.NDArray[Any]) -> tuple[list[float], list[float]]:
        mean = values.mean(axis=0)
        std = values.std(axis=0)
        return mean.tolist(), np.where(std > 0, std, 1.0).tolist()

    if "xaug" in raw:
        spec.xaug_mean, spec.xaug_std = stats(raw["xaug"])
    if "constituents" in raw and entry(spec.name).standardise_constituents:
        spec.constituent_mean, spec.constituent_std = stats(raw["constituents"][raw["mask"]])


def standardise(spec: ModelSpec, raw: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """The raw arrays standardised as the spec says, as float32 (the mask stays boolean)."""
    out: dict[str, npt.NDArray[Any]] = {}
    if "constituents" in raw:
        x = raw["constituents"].astype(np.float32)
        mask = raw["mask"]
        if spec.constituent_mean:
            mean = np.asarray(spec.constituent_mean, dtype=np.float32)
            std = np.asarray(spec.constituent_std, dtype=np.float32)
            x = np.where(mask[..., None], (x - mean) / std, 0.0).astype(np.float32)
        out["constituents"], out["mask"] = x, mask
    if "images" in raw:
        out["images"] = raw["images"].astype(np.float32)
    if "xaug" in raw:
        if not spec.xaug_mean:
            raise InputError("the model spec has no XAUG standardisation; fit it first")
        mean = np.asarray(spec.xaug_mean)
        std = np.asarray(spec.xaug_std)
        out["xaug"] = ((raw["xaug"] - mean) / std).astype(np.float32)
    return out


def as_tensors(
    arrays: dict[str, npt.NDArray[Any]],
) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
    """(inputs, additional_forward_args) wrapping standardised arrays (no copy)."""
    inputs = [
        torch.from_numpy(arrays[k]) for k in ("constituents", "images", "xaug") if k in arrays
    ]
    additional = [torch.from_numpy(arrays["mask"])] if "mask" in arrays else []
    return tuple(inputs), tuple(additional)


def to_tensors(
    spec: ModelSpec, raw: dict[str, npt.NDArray[Any]]
) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
    """(inputs, additional_forward_args) from raw arrays, standardised as the spec says."""
    return as_tensors(standardise(spec, raw))


def prepare_inputs(
    model: torch.nn.Module | ModelSpec, jets: ak.Array
) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
    """``(inputs, additional_forward_args)`` for ``model`` (or its spec) on ``jets``; call the
    model as ``model(*inputs, *additional_forward_args)``."""
    spec = model if isinstance(model, ModelSpec) else getattr(model, "spec", None)
    if not isinstance(spec, ModelSpec):
        raise InputError("model has no jetxai spec; build or load it with jetxai.models")
    return to_tensors(spec, raw_inputs(spec, jets))
