"""Labelled samples for training: jets from several datasets, a binary target, weights, splits."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai import data
from jetxai.errors import InputError

#: Processes that are background unless ``signal`` says otherwise (jets, then events).
BACKGROUND = ("qcd", "gluon", "ttbar", "wjets", "singletop")


@dataclass
class Samples:
    """Jets with a binary target (1 = signal), per-jet weights and train/val/test indices."""

    jets: ak.Array
    target: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]
    train: npt.NDArray[np.int64]
    val: npt.NDArray[np.int64]
    test: npt.NDArray[np.int64]
    provenance: dict[str, Any]

    def cross_section_weight(self) -> npt.NDArray[np.float64]:
        """Per jet σ(process) / events tried(process) from the manifests (the expected yield per
        pb⁻¹ each jet stands for), or the stored per-event ``weight`` where the data have one."""
        if self.provenance.get("has_weight"):
            return self.weight.copy()
        table = self.provenance["cross_sections"]
        processes = np.asarray(ak.to_list(self.jets.process))
        out = np.ones(len(processes))
        for process, entry in table.items():
            if entry["events_tried"] > 0 and entry["cross_section_pb"] > 0:
                out[processes == process] = entry["cross_section_pb"] / entry["events_tried"]
        return out

    def balanced_weight(self) -> npt.NDArray[np.float64]:
        """Weights rescaled so signal and background each sum to half the jets (for the loss)."""
        out = self.weight.copy()
        for cls in (0, 1):
            chosen = self.target == cls
            out[chosen] *= 0.5 * len(out) / out[chosen].sum()
        return out


def _manifest_hash(manifest: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]


def load_samples(
    roots: Sequence[str | os.PathLike[str]],
    signal: Sequence[str] | None = None,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    split_seed: int = 0,
) -> Samples:
    """Read the datasets at ``roots`` and split their jets, the same way for every seed."""
    if not roots:
        raise InputError("give at least one dataset (--data)")
    manifests = [data.read_manifest(root) for root in roots]
    kinds = {manifest.get("kind", "jets") for manifest in manifests}
    if len(kinds) > 1:
        raise InputError("cannot mix jet and event datasets in one training")
    parts = [data.read(root) for root in roots]
    cross_sections: dict[str, dict[str, float]] = {}
    for manifest, part in zip(manifests, parts, strict=True):
        for process in sorted(set(ak.to_list(part.process))):
            entry = cross_sections.setdefault(process, {"cross_section_pb": 0.0, "events_tried": 0})
            entry["cross_section_pb"] = float(manifest.get("cross_section_pb", 0.0))
            entry["events_tried"] += int(manifest.get("events_tried", 0))
    common = set.intersection(*(set(ak.fields(p)) for p in parts))
    jets = ak.concatenate([p[sorted(common)] for p in parts])
    processes = np.asarray(ak.to_list(jets.process))
    found = sorted(set(processes))
    chosen = [p for p in found if p not in BACKGROUND] if signal is None else list(signal)
    unknown = [p for p in chosen if p not in found]
    if unknown:
        raise InputError(
            f"signal process(es) {', '.join(unknown)} not in the data ({', '.join(found)})"
        )
    target = np.isin(processes, chosen).astype(np.int64)
    if target.min() == target.max():
        raise InputError(
            f"need both signal and background jets; the data hold only {', '.join(found)}"
        )
    weight = (
        ak.to_numpy(jets.weight).astype(np.float64) if "weight" in common else np.ones(len(jets))
    )
    order = np.random.default_rng(split_seed).permutation(len(jets))
    n_test, n_val = round(test_fraction * len(jets)), round(val_fraction * len(jets))
    if min(n_test, n_val, len(jets) - n_test - n_val) < 2:
        raise InputError(f"too few jets ({len(jets)}) for train/validation/test splits")
    return Samples(
        jets=jets,
        target=target,
        weight=weight,
        test=np.sort(order[:n_test]),
        val=np.sort(order[n_test : n_test + n_val]),
        train=np.sort(order[n_test + n_val :]),
        provenance={
            "datasets": [str(r) for r in roots],
            "manifest_hashes": [_manifest_hash(m) for m in manifests],
            "signal": chosen,
            "processes": found,
            "split_seed": split_seed,
            "cross_sections": cross_sections,
            "has_weight": "weight" in common,
            "kind": kinds.pop(),
            "n_jets": {"train": len(jets) - n_test - n_val, "val": n_val, "test": n_test},
        },
    )
