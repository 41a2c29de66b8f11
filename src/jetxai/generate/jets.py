"""From a batch of Pythia events to selected, truth-labelled jets in the common schema.

Everything is done on the whole batch at once: final-state selection and anti-kT clustering of
all events in one FastJet call, kinematic selection, truth matching (:mod:`.truth`), and
pT-ordering of constituents. No Python loop runs over events or particles.
"""

from __future__ import annotations

from typing import Any

import awkward as ak
import numpy as np

from jetxai import kinematics
from jetxai.data.pdg import charge
from jetxai.generate._pythia import quiet_stdout
from jetxai.generate.config import GeneratorConfig
from jetxai.generate.processes import PROCESSES
from jetxai.generate.truth import (
    EventRecord,
    decay_quarks,
    find_parents,
    hard_partons,
    match_jets,
)

_NEUTRINOS = (12, 14, 16)


def _flat(array: ak.Array) -> np.ndarray:
    return ak.to_numpy(ak.flatten(array, axis=None))


def event_record(prt: ak.Array) -> EventRecord:
    """Flatten a ``nextBatch`` particle array (events × particles) into an :class:`EventRecord`."""
    return EventRecord.from_local(
        counts=ak.to_numpy(ak.num(prt.id, axis=1)),
        pid=_flat(prt.id),
        status=_flat(prt.status),
        daughter1=_flat(prt.daughter1),
        daughter2=_flat(prt.daughter2),
        px=_flat(prt.p.px),
        py=_flat(prt.p.py),
        pz=_flat(prt.p.pz),
        energy=_flat(prt.p.e),
    )


def _cluster(prt: ak.Array, radius: float, pt_floor: float) -> tuple[ak.Array, ak.Array]:
    """Anti-kT jets above ``pt_floor`` and their constituents, per event."""
    import fastjet

    abs_id = abs(prt.id)
    visible = prt.status > 0
    for neutrino in _NEUTRINOS:
        visible = visible & (abs_id != neutrino)
    final = prt[visible]
    particles = ak.zip(
        {"px": final.p.px, "py": final.p.py, "pz": final.p.pz, "E": final.p.e, "pid": final.id},
        with_name="Momentum4D",
    )
    definition = fastjet.JetDefinition(fastjet.antikt_algorithm, radius)
    with quiet_stdout():
        sequence = fastjet.ClusterSequence(particles, definition)
        jets = sequence.inclusive_jets(min_pt=pt_floor)
        index = sequence.constituent_index(min_pt=pt_floor)
    # constituent indices are per event; make them index the flattened particle list
    per_event = ak.to_numpy(ak.num(particles, axis=1))
    flat_index = ak.flatten(index + (np.cumsum(per_event) - per_event), axis=None)
    gathered = ak.flatten(particles)[ak.to_numpy(flat_index)]
    per_jet = ak.flatten(ak.num(index, axis=2))
    constituents = ak.unflatten(ak.unflatten(gathered, per_jet), ak.num(index, axis=1))
    return jets, constituents


def select_jets(batch: Any, config: GeneratorConfig) -> ak.Array:
    """Selected jets of ``batch`` (a ``Pythia.nextBatch`` result), one record per jet.

    The ``event_id`` field holds the event's position within the batch; the caller offsets it.
    Signal jets that do not match their truth parent are dropped; QCD jets are all kept, with
    ``truth_pid`` the flavour of the matched hard parton (0 if none is within R).
    """
    prt = batch.prt
    jets, constituents = _cluster(prt, config.radius, config.pt_min)
    jet_event = np.repeat(np.arange(len(jets)), ak.to_numpy(ak.num(jets, axis=1)))
    px, py, pz, energy = (_flat(jets[f]) for f in ("px", "py", "pz", "E"))
    jet_eta = kinematics.eta(px, py, pz)
    jet_phi = kinematics.phi(px, py)
    keep = (kinematics.pt(px, py) < config.pt_max) & (np.abs(jet_eta) < config.eta_max)
    constituents = ak.flatten(constituents, axis=1)[keep]
    px, py, pz, energy = px[keep], py[keep], pz[keep], energy[keep]
    jet_eta, jet_phi, jet_event = jet_eta[keep], jet_phi[keep], jet_event[keep]

    record = event_record(prt)
    process = PROCESSES[config.process]
    if process.parent is None:
        candidates = hard_partons(record)
        truth = match_jets(jet_eta, jet_phi, jet_event, record, candidates, config.radius)
        selected = np.ones(len(truth), dtype=bool)
    else:
        candidates = find_parents(record, process.parent)
        quarks = decay_quarks(record, candidates)
        truth = match_jets(jet_eta, jet_phi, jet_event, record, candidates, config.radius, quarks)
        selected = truth >= 0

    truth, jet_event = truth[selected], jet_event[selected]
    constituents = constituents[selected]
    px, py, pz, energy = px[selected], py[selected], pz[selected], energy[selected]
    order = ak.argsort(np.hypot(constituents.px, constituents.py), axis=1, ascending=False)
    constituents = constituents[order]

    matched = truth >= 0
    safe = np.where(matched, truth, 0)

    def truth_value(values: np.ndarray) -> np.ndarray:
        return np.where(matched, values[safe], 0)

    counts = ak.num(constituents.px, axis=1)
    flat_pid = _flat(constituents.pid)
    columns = {
        "part_px": constituents.px,
        "part_py": constituents.py,
        "part_pz": constituents.pz,
        "part_energy": constituents.E,
        "part_pid": ak.unflatten(flat_pid.astype(np.int32), counts),
        "part_charge": ak.unflatten(charge(flat_pid), counts),
        "jet_pt": kinematics.pt(px, py),
        "jet_eta": kinematics.eta(px, py, pz),
        "jet_phi": kinematics.phi(px, py),
        "jet_energy": energy,
        "jet_mass": kinematics.mass(px, py, pz, energy),
        "jet_nparticles": ak.to_numpy(counts).astype(np.int32),
        "label": np.full(len(px), process.label, dtype=np.int32),
        "process": ak.Array([process.name] * len(px)),
        "event_id": jet_event,
        "truth_pid": truth_value(record.pid).astype(np.int32),
        "truth_px": truth_value(record.px),
        "truth_py": truth_value(record.py),
        "truth_pz": truth_value(record.pz),
        "truth_energy": truth_value(record.energy),
    }
    return ak.zip(columns, depth_limit=1)
