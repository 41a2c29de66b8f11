"""The common jet schema: every reader and the generator produce these fields.

Names follow JetClass. Jagged per-constituent fields are pT-ordered (hardest first).
Momenta and energies are in GeV, angles in radians.
"""

from __future__ import annotations

from jetxai.catalogue import labels

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
#: a record belongs to (public data's official split, or a sample generated for one part only).
SPLIT_CODES = {"train": 0, "val": 1, "test": 2}

#: Book-keeping fields of an event record.
EVENT_FIELDS = ("label", "process", "event_id", "weight")
