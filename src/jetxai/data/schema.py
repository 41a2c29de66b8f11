"""The common jet schema: every reader and the generator produce these fields.

Names follow JetClass. Jagged per-constituent fields are pT-ordered (hardest first).
Momenta and energies are in GeV, angles in radians.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from jetxai.catalogue import labels
from jetxai.errors import InputError

SCHEMA_VERSION = 1

#: Jagged per-constituent fields.
PARTICLE_FIELDS = ("part_px", "part_py", "part_pz", "part_energy", "part_pid", "part_charge")
#: Per-jet kinematics.
JET_FIELDS = ("jet_pt", "jet_eta", "jet_phi", "jet_energy", "jet_mass", "jet_nparticles")
#: Per-jet truth and book-keeping (truth_* is the matched parent, or parton for QCD jets).
TRUTH_FIELDS = (
    "label",
    "process",
    "event_id",
    "truth_pid",
    "truth_px",
    "truth_py",
    "truth_pz",
    "truth_energy",
)
#: Every field a generated jet dataset carries.
ALL_FIELDS = PARTICLE_FIELDS + JET_FIELDS + TRUTH_FIELDS

#: Integer class label of each process (0 is the QCD background), from the process catalogue
#: (:mod:`jetxai.catalogue`): generated jet samples use qcd/top/w/z/higgs; the readers add
#: quark/gluon (EnergyFlow) and JetClass's other classes; event-level samples use vlq (signal),
#: ttbar, wjets and singletop.
LABELS = labels()

#: Event-level features of a generated event record, in the order a classifier reads them
#: (momenta in GeV, angles in radians; jets are pT-ordered, a missing fourth jet is all zeros).
EVENT_FEATURES = (
    "ht",
    "st",
    "met",
    "met_phi",
    "mt",
    "lep_pt",
    "lep_eta",
    "lep_phi",
    "n_jets",
    "n_bjets",
    *(f"jet{i}_{v}" for i in range(1, 5) for v in ("pt", "eta", "phi", "btag")),
    "m_lb",
    "dr_lb",
)
#: The optional per-record ``split`` field: which part of a fixed train / validation / test split
#: a record belongs to (public data's official split, or a sample generated for one part only),
#: stored by name ("train", "val", "test"); datasets written before hold the codes below, which
#: :func:`split_codes` still reads. In memory the parts are these codes.
SPLIT_CODES = {"train": 0, "val": 1, "test": 2}


def split_names(part: str, n: int) -> np.ndarray:
    """The ``split`` field of ``n`` records of one part, by name."""
    return np.full(n, part, dtype=f"<U{len(part)}")


def split_codes(values: Any) -> npt.NDArray[np.int64]:
    """The codes (:data:`SPLIT_CODES`) of a stored ``split`` field: names, or the codes of
    datasets written before the names (0 train, 1 val, 2 test)."""
    import awkward as ak

    array = ak.to_numpy(values) if isinstance(values, ak.Array) else np.asarray(values)
    if array.dtype.kind in "iu":
        unknown = sorted(set(np.unique(array).tolist()) - set(SPLIT_CODES.values()))
        if unknown:
            raise InputError(f"split holds code(s) {unknown}; jetxai writes train, val, test")
        return array.astype(np.int64)
    names = np.asarray(ak.to_list(values) if isinstance(values, ak.Array) else array, dtype=str)
    unknown = sorted(set(np.unique(names).tolist()) - set(SPLIT_CODES))
    if unknown:
        raise InputError(f"split holds {', '.join(unknown)}; jetxai writes train, val, test")
    return np.vectorize(SPLIT_CODES.__getitem__, otypes=[np.int64])(names)


#: Book-keeping fields of an event record.
EVENT_FIELDS = ("label", "process", "event_id", "weight")
