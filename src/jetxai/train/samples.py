"""Labelled samples for training: jets from several datasets, a binary (or multi-class) target,
weights, splits.

Each jet's split (train / validation / test) is a function of its identity alone — its dataset's
identity (the generation config hash and size) and its row in that dataset — hashed with the
split seed. The same jets are test jets whatever the order of the datasets, and a checkpoint
records the identities it was trained on, so evaluation can refuse any other data.
"""

from __future__ import annotations

import dataclasses
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
from jetxai.catalogue import PROCESSES, backgrounds
from jetxai.data.rows import LazyJets
from jetxai.data.schema import split_codes
from jetxai.errors import InputError


@dataclass
class Samples:
    """Jets with a binary target (1 = signal), per-jet weights and train/val/test indices.
    ``jets`` is an awkward array, or a :class:`jetxai.data.rows.LazyJets` that reads the rows
    asked for (``load_samples(..., lazy=True)``); ``processes`` is every jet's process."""

    jets: ak.Array | LazyJets
    processes: npt.NDArray[np.str_]
    target: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]
    train: npt.NDArray[np.int64]
    val: npt.NDArray[np.int64]
    test: npt.NDArray[np.int64]
    provenance: dict[str, Any]

    def in_memory(self) -> ak.Array:
        """Every jet as one awkward array (for data that fit in memory; training streams
        lazy samples instead); lazy samples are refused."""
        if isinstance(self.jets, LazyJets):
            raise InputError("these samples read their jets on demand; load them with lazy=False")
        return self.jets

    def as_binary(self, positive: int, negative: int | None = None) -> Samples:
        """A multi-class target seen as binary: class ``positive`` against every other class,
        or (with ``negative``) against that one class, the other classes' jets left out of the
        splits."""

        def chosen(rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
            if negative is None:
                return rows
            return rows[np.isin(self.target[rows], [positive, negative])]

        target = (self.target == positive).astype(np.int64)
        return dataclasses.replace(
            self, target=target, train=chosen(self.train), val=chosen(self.val),
            test=chosen(self.test),
        )  # fmt: skip

    def split_codes(self) -> npt.NDArray[np.int8]:
        """Every jet's part: 0 train, 1 validation, 2 test."""
        codes = np.full(len(self.target), -1, dtype=np.int8)
        for code, rows in enumerate((self.train, self.val, self.test)):
            codes[rows] = code
        return codes

    def cross_section_weight(self) -> npt.NDArray[np.float64]:
        """Per jet σ(process) / events tried(process) from the manifests (the expected yield per
        pb⁻¹ each jet stands for), or the stored per-event ``weight`` where the data have one."""
        if self.provenance.get("has_weight"):
            return self.weight.copy()
        table = self.provenance["cross_sections"]
        unknown = sorted(
            p for p, e in table.items() if not e["cross_section_pb"] or not e["events_tried"]
        )
        if unknown:
            raise InputError(
                f"cross-section weights: the cross-section of {', '.join(unknown)} is unknown "
                "(imported data record none); use uniform weights"
            )
        processes = self.processes
        out = np.ones(len(processes))
        for process, entry in table.items():
            out[processes == process] = entry["cross_section_pb"] / entry["events_tried"]
        return out

    def unit_weight(self) -> npt.NDArray[np.float64]:
        """Per jet its weight over its process's mean weight: 1 throughout for unweighted
        data; with generator weights (biased sampling) what makes each process's jets stand for
        its unbiased distribution while the processes keep their shares of the jets. (Event
        datasets' weights are σ / events tried, one per dataset: every event is alike.)"""
        out = np.ones(len(self.weight))
        if not self.provenance.get("has_weight") or self.provenance.get("kind") == "events":
            return out
        for process in np.unique(self.processes):
            chosen = self.processes == process
            out[chosen] = self.weight[chosen] / self.weight[chosen].mean()
        return out

    def balanced_weight(self) -> npt.NDArray[np.float64]:
        """Weights rescaled so each class (signal and background, or each class of a
        multi-class target) sums to the same share of the jets (for the loss)."""
        out = self.weight.copy()
        included = self.target >= 0  # a multi-class target leaves other processes out (-1)
        classes = np.unique(self.target[included])
        for cls in classes:
            chosen = self.target == cls
            out[chosen] *= (1.0 / len(classes)) * included.sum() / out[chosen].sum()
        return out


#: The columns a split is made from (each where the dataset has it).
SPLIT_COLUMNS = ("process", "split", "weight")


def _manifest_hash(manifest: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]


def dataset_identity(manifest: dict[str, Any]) -> str:
    """What identifies a dataset's jets: for an import, its files' contents (``jets_identity``),
    else the hash of the config that generated them; and their number (unchanged when feature
    columns are added later)."""
    origin = (
        manifest.get("jets_identity")
        or manifest.get("config_hash")
        or _manifest_hash({k: v for k, v in manifest.items() if not k.startswith("xaug")})
    )
    return f"{origin}:{manifest.get('jets_kept', manifest.get('events_kept', '?'))}"


def dataset_identities(
    roots: Sequence[str | os.PathLike[str]], manifests: Sequence[dict[str, Any]] | None = None
) -> list[str]:
    """:func:`dataset_identity` of each dataset; the same dataset given twice is refused."""
    manifests = manifests or [data.read_manifest(root) for root in roots]
    identities = [dataset_identity(m) for m in manifests]
    repeated = sorted(
        {str(r) for r, i in zip(roots, identities, strict=True) if identities.count(i) > 1}
    )
    if repeated:
        raise InputError(f"the same dataset is given more than once: {', '.join(repeated)}")
    _refuse_shared_sources(roots, manifests)
    return identities


def _refuse_shared_sources(
    roots: Sequence[str | os.PathLike[str]], manifests: Sequence[dict[str, Any]]
) -> None:
    """Refuse two imported datasets made from the same published file: their jets would be
    counted twice, and could fall into training and test alike."""
    seen: dict[str, tuple[str, str]] = {}  # file contents → (dataset, file name)
    for root, manifest in zip(roots, manifests, strict=True):
        for source in manifest.get("sources") or []:
            if not isinstance(source, dict) or "blake2b" not in source:
                continue
            earlier = seen.setdefault(source["blake2b"], (str(root), str(source.get("file"))))
            if earlier[0] != str(root):
                raise InputError(
                    f"{earlier[0]} and {root} are both imported from {earlier[1]} (the same "
                    "file contents): give it once"
                )


def _hash_parts(u: npt.NDArray[np.float64], val: float, test: float) -> npt.NDArray[np.int64]:
    """Split codes (0 train, 1 val, 2 test) from uniform numbers ``u``."""
    return np.where(u < test, 2, np.where(u < test + val, 1, 0))


def _unit_hash(identity: str, rows: int, split_seed: int) -> npt.NDArray[np.float64]:
    """A uniform number in [0, 1) per row of a dataset, from (identity, row, seed) alone."""
    key = np.frombuffer(hashlib.sha256(f"{identity}/{split_seed}".encode()).digest()[:8], np.uint64)
    x = np.arange(rows, dtype=np.uint64) + key[0]
    with np.errstate(over="ignore"):  # splitmix64: wrapping 64-bit arithmetic
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(2**53)


def signal_processes(found: Sequence[str], signal: Sequence[str] | None = None) -> list[str]:
    """The processes of ``found`` that are signal: ``signal`` when given (each must be in the
    data), else every process the catalogue does not call background. A process the catalogue
    does not know has no role, so it is refused rather than taken as signal."""
    if signal is not None:
        unknown = [p for p in signal if p not in found]
        if unknown:
            raise InputError(
                f"signal process(es) {', '.join(unknown)} not in the data ({', '.join(found)})"
            )
        return list(signal)
    strangers = [p for p in found if p not in PROCESSES]
    if strangers:
        raise InputError(
            f"process(es) {', '.join(strangers)} in the data are not in jetxai's catalogue, so "
            "their role (signal or background) is unknown: name the signal with --signal"
        )
    return [p for p in found if not PROCESSES[p].is_background]


def chosen_classes(found: Sequence[str], classes: Sequence[str]) -> list[str]:
    """The classes of a multi-class target: ``classes`` as given (each must be in the data),
    or for ``["all"]`` every process found, those the catalogue calls background first."""
    if list(classes) == ["all"]:
        background = backgrounds(found)
        classes = background + [p for p in found if p not in background]
    unknown = [c for c in classes if c not in found]
    if unknown:
        raise InputError(f"class(es) {', '.join(unknown)} not in the data ({', '.join(found)})")
    if len(classes) < 2 or len(set(classes)) != len(classes):
        raise InputError(f"give two or more different classes, got {', '.join(classes)}")
    return list(classes)


def _read_parts(
    roots: Sequence[str | os.PathLike[str]], lazy: bool
) -> tuple[ak.Array | LazyJets, list[ak.Array]]:
    """(every jet, with the columns all datasets share; each dataset's columns the split
    needs); ``lazy``: the jets as :class:`LazyJets`, read when asked for."""
    if lazy:
        jets = LazyJets(roots)
        parts = [
            data.read(root, [c for c in SPLIT_COLUMNS if c in fields])
            for root, fields in zip(roots, jets.dataset_fields, strict=True)
        ]
        return jets, parts
    parts = [data.read(root) for root in roots]
    common = set.intersection(*(set(ak.fields(p)) for p in parts))
    return ak.concatenate([p[sorted(common)] for p in parts]), parts


def _weights(
    roots: Sequence[str | os.PathLike[str]], manifests: list[dict[str, Any]], parts: list[ak.Array]
) -> tuple[npt.NDArray[np.float64], bool]:
    """Every jet's weight and whether any dataset stores one: a dataset's stored ``weight``
    (events, biased generation: pb), else 1. Where some datasets store weights and others do
    not, the others' jets weigh their dataset's σ / events tried, pb too, so that the two mix
    in one unit (a dataset that records no cross-section cannot)."""
    stored = ["weight" in ak.fields(part) for part in parts]
    if not any(stored):
        return np.ones(sum(len(part) for part in parts)), False
    weighted = roots[stored.index(True)]
    out = []
    for root, manifest, part, has in zip(roots, manifests, parts, stored, strict=True):
        if has:
            out.append(ak.to_numpy(part.weight).astype(np.float64))
            continue
        known = _known_cross_section(manifest)
        if known is None:
            raise InputError(
                f"{root} records no cross-section, so its jets cannot be weighed beside the "
                f"weighted jets of {weighted}; train them apart"
            )
        sigma, tried = known
        out.append(np.full(len(part), sigma / tried))
    return np.concatenate(out), True


def _known_cross_section(manifest: dict[str, Any]) -> tuple[float, int] | None:
    """A dataset's cross-section (pb) and events tried, or None where it records none."""
    sigma: Any = manifest.get("cross_section_pb")
    tried: Any = manifest.get("events_tried")
    if isinstance(sigma, int | float) and sigma > 0 and isinstance(tried, int) and tried > 0:
        return float(sigma), tried
    return None


def _cross_sections(
    manifests: list[dict[str, Any]], parts: list[ak.Array]
) -> dict[str, dict[str, float | None]]:
    """Per process its cross-section and the events tried to make its jets; both None
    (unknown) where a dataset of the process records none (imported data)."""
    cross_sections: dict[str, dict[str, Any]] = {}
    for manifest, part in zip(manifests, parts, strict=True):
        known = _known_cross_section(manifest)
        for process in sorted(set(ak.to_list(part.process))):
            entry = cross_sections.setdefault(process, {"cross_section_pb": 0.0, "events_tried": 0})
            if known is None or entry["events_tried"] is None:
                entry["cross_section_pb"] = entry["events_tried"] = None
                continue
            entry["cross_section_pb"] = known[0]
            entry["events_tried"] += known[1]
    return cross_sections


def _split(
    parts: list[ak.Array],
    identities: list[str],
    val_fraction: float,
    test_fraction: float,
    split_seed: int,
) -> tuple[list[np.ndarray], dict[str, Any]]:
    """[train, val, test] rows and how they were split. A dataset that says which part each
    record is in keeps that (public data's official split, or a sample generated for one part);
    the others are split by record identity."""
    fixed = ["split" in ak.fields(p) for p in parts]
    codes = np.concatenate(
        [
            split_codes(p.split)
            if has
            else _hash_parts(_unit_hash(i, len(p), split_seed), val_fraction, test_fraction)
            for i, p, has in zip(identities, parts, fixed, strict=True)
        ]
    )
    rows = [np.flatnonzero(codes == c) for c in range(3)]
    method: dict[str, Any] = (
        {"method": "official"}
        if all(fixed)
        else {"method": "identity-hash", "val": val_fraction, "test": test_fraction}
    )
    if any(fixed) and not all(fixed):
        method["fixed"] = [i for i, has in zip(identities, fixed, strict=True) if has]
    train, val, test = rows
    if min(len(test), len(val), len(train)) < 2:
        if any(fixed):
            raise InputError(
                f"the split gives {len(train)} train, {len(val)} validation and {len(test)} "
                "test jets: give data for every part (jetxai import --split, generate --split)"
            )
        raise InputError(f"too few jets ({len(codes)}) for train/validation/test splits")
    return rows, method


def load_samples(
    roots: Sequence[str | os.PathLike[str]],
    signal: Sequence[str] | None = None,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    split_seed: int = 0,
    lazy: bool = False,
    classes: Sequence[str] | None = None,
) -> Samples:
    """Read the datasets at ``roots`` and split their jets, the same way for every seed;
    ``lazy``: read only the columns the split needs, and the jets when asked for (the same
    samples, for data larger than memory). ``classes`` (processes, or ``["all"]``): a
    multi-class target, each jet's class index, the jets of other processes left out of
    every split; None: the binary target of ``signal``."""
    if not roots:
        raise InputError("give at least one dataset (--data)")
    manifests = [data.read_manifest(root) for root in roots]
    identities = dataset_identities(roots, manifests)
    kinds = {manifest.get("kind", "jets") for manifest in manifests}
    if len(kinds) > 1:
        raise InputError("cannot mix jet and event datasets in one training")
    jets, parts = _read_parts(roots, lazy)
    processes = np.concatenate([np.asarray(ak.to_list(p.process), dtype=str) for p in parts])
    found = sorted(set(processes))
    if classes is not None:
        ordered, chosen = chosen_classes(found, classes), []
        names, index = np.unique(processes, return_inverse=True)
        codes = np.array([ordered.index(n) if n in ordered else -1 for n in names], np.int64)
        target = codes[index]
    else:
        ordered, chosen = [], signal_processes(found, signal)
        target = np.isin(processes, chosen).astype(np.int64)
        if target.min() == target.max():
            raise InputError(
                f"need both signal and background jets; the data hold only {', '.join(found)}"
            )
    weight, weighted = _weights(roots, manifests, parts)
    (train, val, test), method = _split(parts, identities, val_fraction, test_fraction, split_seed)
    train, val, test = (rows[target[rows] >= 0] for rows in (train, val, test))
    provenance = {
        "datasets": [str(r) for r in roots],
        "manifest_hashes": [_manifest_hash(m) for m in manifests],
        "dataset_ids": sorted(identities),
        "signal": chosen,
        **({"classes": ordered} if ordered else {}),
        "processes": found,
        "split_seed": split_seed,
        "split": method,
        "cross_sections": _cross_sections(manifests, parts),
        "has_weight": weighted,
        "kind": kinds.pop(),
        "n_jets": {"train": len(train), "val": len(val), "test": len(test)},
    }
    return Samples(
        jets=jets, processes=processes, target=target, weight=weight, train=train, val=val,
        test=test, provenance=provenance,
    )  # fmt: skip
