"""Reader for JetClass (Qu, Li & Qian, "Particle Transformer for jet tagging", ICML 2022,
arXiv:2202.03772) ROOT files.

Format: a TTree ``tree`` with jagged ``part_px, part_py, part_pz, part_energy, part_charge`` and
particle-type flags ``part_isElectron, part_isMuon, part_isPhoton, part_isChargedHadron,
part_isNeutralHadron``, plus one-hot ``label_*`` branches. JetClass stores no PDG id, so
``part_pid`` is a representative id of the flagged type (±11, ±13, 22, ±211, 130; the sign from
the charge, PDG convention). Labels map to :data:`jetxai.data.schema.LABELS`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from jetxai import kinematics
from jetxai._io import atomic_path
from jetxai._optional import require
from jetxai.data._build import jets_from_constituents
from jetxai.data.formats import FORMATS
from jetxai.data.schema import JET_FIELDS
from jetxai.errors import InputError

#: JetClass label branch → jetxai process name.
LABEL_BRANCHES = {
    "label_QCD": "qcd",
    "label_Tbqq": "top",
    "label_Wqq": "w",
    "label_Zqq": "z",
    "label_Hbb": "higgs",
    "label_Hcc": "hcc",
    "label_Hgg": "hgg",
    "label_H4q": "h4q",
    "label_Hqql": "hqql",
    "label_Tbl": "top_lep",
}
_MOMENTA = ("part_px", "part_py", "part_pz", "part_energy", "part_charge")
# flag branch, PDG id of the negatively charged (or neutral) particle
_TYPES = (
    ("part_isElectron", 11),
    ("part_isMuon", 13),
    ("part_isPhoton", 22),
    ("part_isChargedHadron", -211),
    ("part_isNeutralHadron", 130),
)


@contextmanager
def _tree(path: Path, tree: str) -> Iterator[Any]:
    """The TTree ``tree`` of the JetClass file ``path``; a missing or damaged file or tree is a
    one-line :class:`InputError`."""
    uproot = require("uproot", "io")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        with uproot.open(path) as file:
            if tree not in file:
                raise InputError(f"{path}: no TTree {tree!r} (not a JetClass file)")
            yield file[tree]
    except InputError:
        raise
    except Exception as exc:  # uproot raises many types for damaged files
        raise InputError(f"{path}: cannot read as ROOT ({exc.__class__.__name__})") from None


def count_jetclass(path: str | os.PathLike[str], tree: str = "tree") -> int:
    """The number of jets in a JetClass ROOT file (without reading them)."""
    with _tree(Path(path), tree) as jets:
        return int(jets.num_entries)


@FORMATS.register(
    "jetclass", description="JetClass (ROOT; one split per set of files)", count=count_jetclass
)
def read_jetclass(
    path: str | os.PathLike[str], tree: str = "tree", start: int = 0, stop: int | None = None
) -> ak.Array:
    """Read a JetClass ROOT file (jets ``start`` to ``stop``, default all) into the common jet
    schema."""
    path = Path(path)
    with _tree(path, tree) as source:
        branches = set(source.keys())
        labels = [b for b in LABEL_BRANCHES if b in branches]
        needed = [*_MOMENTA, *(flag for flag, _ in _TYPES)]
        missing = [b for b in needed if b not in branches]
        if missing or not labels:
            missing = missing or ["label_*"]
            raise InputError(f"{path}: missing branch(es) {', '.join(missing)}")
        arrays = source.arrays([*needed, *labels], library="ak", entry_start=start, entry_stop=stop)
    charge = arrays["part_charge"]
    pid = ak.zeros_like(charge, dtype=np.int64)
    for flag, code in _TYPES:
        signed = code * ak.where(charge > 0, -1, 1) if code != 22 and code != 130 else code
        pid = ak.where(arrays[flag] > 0, signed, pid)
    onehot = np.stack([ak.to_numpy(arrays[b]) for b in labels], axis=1)
    hot = onehot == 1
    valid = hot.sum(axis=1) == 1
    valid &= ((onehot == 0) | hot).all(axis=1)
    if not valid.all():
        first = int(np.flatnonzero(~valid)[0])
        raise InputError(
            f"{path}: {int((~valid).sum())} jet(s) do not have exactly one label_* set to 1 "
            f"(first: jet {start + first}); refusing to guess their class"
        )
    process = np.array([LABEL_BRANCHES[b] for b in labels])[np.argmax(onehot, axis=1)]
    return jets_from_constituents(
        arrays["part_px"],
        arrays["part_py"],
        arrays["part_pz"],
        arrays["part_energy"],
        pid=pid,
        charge=charge,
        process=process,
    )


def write_jetclass(path: str | os.PathLike[str], jets: ak.Array, tree: str = "tree") -> Path:
    """Write jetxai jets as a JetClass ROOT file (the layout :func:`read_jetclass` reads and
    weaver-core's JetClass configs take): jagged ``part_px … part_charge``, the five
    ``part_is*`` flags and ``part_deta`` / ``part_dphi`` (to the jet axis), the jet's ``jet_pt,
    jet_eta, jet_phi, jet_energy, jet_mass, jet_nparticles`` (float32, as JetClass) and the ten
    one-hot ``label_*`` branches from each jet's process (JetClass's impact parameters
    ``part_d0val …`` are not written: jetxai simulates no tracks). A process with no JetClass
    label is refused. Written atomically."""
    process = np.asarray(ak.to_list(jets.process), dtype=str)
    unknown = sorted(set(process) - set(LABEL_BRANCHES.values()))
    if unknown:
        raise InputError(f"process(es) {', '.join(unknown)} have no JetClass label")
    pid, charge = abs(jets.part_pid), jets.part_charge
    lepton = (pid == 11) | (pid == 13)
    flags = {
        "part_isElectron": pid == 11,
        "part_isMuon": pid == 13,
        "part_isPhoton": pid == 22,
        "part_isChargedHadron": (charge != 0) & ~lepton,
        "part_isNeutralHadron": (charge == 0) & (pid != 22),
    }
    branches: dict[str, Any] = {name: ak.values_astype(jets[name], np.float32) for name in _MOMENTA}
    branches |= {name: ak.values_astype(flag, np.float32) for name, flag in flags.items()}
    counts = ak.num(jets.part_px, axis=1)
    flat = {f: ak.to_numpy(ak.flatten(jets[f])) for f in ("part_px", "part_py", "part_pz")}
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = kinematics.eta(flat["part_px"], flat["part_py"], flat["part_pz"])
    phi = kinematics.phi(flat["part_px"], flat["part_py"])
    axis = {f: np.repeat(ak.to_numpy(jets[f]), counts) for f in ("jet_eta", "jet_phi")}
    angles = {
        "part_deta": eta - axis["jet_eta"],
        "part_dphi": kinematics.delta_phi(phi, axis["jet_phi"]),
    }
    branches |= {k: ak.unflatten(v.astype(np.float32), counts) for k, v in angles.items()}
    for name in JET_FIELDS:
        branches[name] = ak.to_numpy(jets[name]).astype(np.float32)
    for branch, name in LABEL_BRANCHES.items():
        branches[branch] = (process == name).astype(np.float32)
    return write_branches(path, branches, tree)


def write_branches(
    path: str | os.PathLike[str], branches: dict[str, Any], tree: str = "tree"
) -> Path:
    """Write ``branches`` (flat or jagged arrays of one length) as the TTree ``tree`` of a ROOT
    file (a TTree as JetClass's, which weaver-core reads; uproot's default is now an RNTuple).
    Written atomically."""
    uproot = require("uproot", "io")
    types = {
        k: v.type if isinstance(v, ak.Array) else np.asarray(v).dtype for k, v in branches.items()
    }
    path = Path(path)
    with atomic_path(path) as tmp, uproot.recreate(tmp) as file:
        file.mktree(tree, types).extend(branches)
    return path
