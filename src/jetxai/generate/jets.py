"""From a batch of Pythia events to selected, truth-labelled jets in the common schema.

Everything is done on the whole batch at once: final-state selection and anti-kT clustering of
all events in one FastJet call, kinematic selection, truth matching (:mod:`.truth`), and
pT-ordering of constituents. No Python loop runs over events or particles.
"""

from __future__ import annotations

from typing import Any, Protocol

import awkward as ak
import numpy as np

from jetxai import kinematics
from jetxai._quiet import quiet_stdout
from jetxai.catalogue import PROCESSES
from jetxai.data.pdg import charge
from jetxai.generate._cluster import antikt, could_hold_jet, visible_final_state
from jetxai.generate.truth import (
    EventRecord,
    decay_quarks,
    find_parents,
    hard_partons,
    match_jets,
)


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


def _cluster(final: ak.Array, radius: float, pt_floor: float) -> tuple[ak.Array, ak.Array]:
    """Per event of visible final-state particles: anti-kT jets above ``pt_floor``, and each
    jet's constituent indices into those particles."""
    sequence = antikt(final.p.px, final.p.py, final.p.pz, final.p.e, radius)
    with quiet_stdout():
        jets = sequence.inclusive_jets(min_pt=pt_floor)
        index = sequence.constituent_index(min_pt=pt_floor)
    return jets, index


class JetCuts(Protocol):
    """What the jet selection reads of a jet-level config
    (:class:`jetxai.generate.config.GeneratorConfig`)."""

    @property
    def process(self) -> str: ...
    @property
    def radius(self) -> float: ...
    @property
    def pt_min(self) -> float: ...
    @property
    def pt_max(self) -> float: ...
    @property
    def eta_max(self) -> float: ...


def select_jets(batch: Any, config: JetCuts) -> ak.Array:
    """Selected jets of ``batch`` (a ``Pythia.nextBatch`` result), one record per jet.

    The ``event_id`` field holds the event's position within the batch; the caller offsets it.
    Events that cannot hold a jet in the window (:func:`._cluster.could_hold_jet`) are not
    clustered.
    Signal jets that do not match their truth parent are dropped; QCD jets are all kept, with
    ``truth_pid`` the flavour of the matched hard parton (0 if none is within R).
    """
    prt = batch.prt
    final = visible_final_state(prt)
    # only events whose visible pT could make a jet in the window are clustered (in the
    # default windows about a third: FastJet is most of the selection's time)
    clustered = np.flatnonzero(
        could_hold_jet(final.p, config.radius, config.pt_min, config.eta_max)
    )
    prt, final = prt[clustered], final[clustered]
    jets, index = _cluster(final, config.radius, config.pt_min)
    event_of_jet = np.repeat(np.arange(len(jets)), ak.to_numpy(ak.num(jets, axis=1)))
    px, py, pz, energy = (_flat(jets[f]) for f in ("px", "py", "pz", "E"))
    jet_eta = kinematics.eta(px, py, pz)
    keep = (kinematics.pt(px, py) < config.pt_max) & (np.abs(jet_eta) < config.eta_max)
    jet_event = event_of_jet[keep]

    # Truth: only the events that kept a jet need their record flattened.
    events, jet_event = np.unique(jet_event, return_inverse=True)
    record = event_record(prt[events])
    jet_phi = kinematics.phi(px[keep], py[keep])
    process = PROCESSES[config.process]
    if process.parent is None:
        candidates = hard_partons(record)
        truth = match_jets(jet_eta[keep], jet_phi, jet_event, record, candidates, config.radius)
        selected = np.flatnonzero(keep)
    else:
        candidates = find_parents(record, process.parent)
        quarks = decay_quarks(record, candidates)
        truth = match_jets(
            jet_eta[keep], jet_phi, jet_event, record, candidates, config.radius, quarks
        )
        selected = np.flatnonzero(keep)[truth >= 0]
        jet_event, truth = jet_event[truth >= 0], truth[truth >= 0]

    part, counts = _constituents(final, index, selected, event_of_jet)
    momenta = px[selected], py[selected], pz[selected], energy[selected]
    columns = _columns(part, counts, momenta, process, clustered[events[jet_event]], record, truth)
    return ak.zip(columns, depth_limit=1)


def _constituents(
    final: Any, index: Any, selected: np.ndarray, event_of_jet: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The constituents of the ``selected`` jets, gathered from the flat particle arrays and
    pT-ordered within each jet (flat arrays by name), and each jet's count."""
    per_event = ak.to_numpy(ak.num(final, axis=1))
    jet_index = ak.flatten(index, axis=1)[selected]
    counts = ak.to_numpy(ak.num(jet_index, axis=1))
    offset = np.repeat((np.cumsum(per_event) - per_event)[event_of_jet[selected]], counts)
    gather = _flat(jet_index).astype(np.int64) + offset
    p = final.p
    part = {
        "px": _flat(p.px)[gather],
        "py": _flat(p.py)[gather],
        "pz": _flat(p.pz)[gather],
        "energy": _flat(p.e)[gather],
        "pid": _flat(final.id)[gather],
    }
    owner = np.repeat(np.arange(len(counts)), counts)
    order = np.lexsort((-np.hypot(part["px"], part["py"]), owner))
    return {name: values[order] for name, values in part.items()}, counts


def _columns(
    part: dict[str, np.ndarray],
    counts: np.ndarray,
    momenta: tuple[np.ndarray, ...],
    process: Any,
    event_id: np.ndarray,
    record: Any,
    truth: np.ndarray,
) -> dict[str, Any]:
    """The jet records' columns: constituents (jagged), jet kinematics, labels and truth (the
    matched parton's or parent's, 0 where none matched)."""
    px, py, pz, energy = momenta
    matched = truth >= 0
    safe = np.where(matched, truth, 0)

    def truth_value(values: np.ndarray) -> np.ndarray:
        return np.where(matched, values[safe], 0)

    def jagged(values: np.ndarray) -> ak.Array:
        return ak.unflatten(values, counts)

    return {
        "part_px": jagged(part["px"]),
        "part_py": jagged(part["py"]),
        "part_pz": jagged(part["pz"]),
        "part_energy": jagged(part["energy"]),
        "part_pid": jagged(part["pid"].astype(np.int32)),
        "part_charge": jagged(charge(part["pid"])),
        "jet_pt": kinematics.pt(px, py),
        "jet_eta": kinematics.eta(px, py, pz),
        "jet_phi": kinematics.phi(px, py),
        "jet_energy": energy,
        "jet_mass": kinematics.mass(px, py, pz, energy),
        "jet_nparticles": counts.astype(np.int32),
        "label": np.full(len(px), process.label, dtype=np.int32),
        "process": ak.Array([process.name] * len(px)),
        "event_id": event_id.astype(np.int64),
        "truth_pid": truth_value(record.pid).astype(np.int32),
        "truth_px": truth_value(record.px),
        "truth_py": truth_value(record.py),
        "truth_pz": truth_value(record.pz),
        "truth_energy": truth_value(record.energy),
    }
