"""Truth labelling of jets, vectorised over a whole batch of Pythia events.

The batch's event records are flattened into one :class:`EventRecord` with *global* particle
indices, so following mother/daughter links is plain numpy indexing. A signal jet is matched to
its truth parent (top, W, Z, H) when the parent lies within ΔR < R of the jet axis and every decay
quark of the parent does too (t → b W → b q q̄′ gives three quarks, W/Z/H → q q̄ two). QCD jets are
matched to the nearest outgoing parton of the hard process (for its flavour).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jetxai import kinematics

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_QUARKS = (1, 2, 3, 4, 5)
_DECAYING_BOSONS = (23, 24)  # a W or Z from a top decay decays again into the quarks we want
_HARD_OUTGOING = -23  # Pythia status of outgoing partons of the hardest process
_MAX_COPY_STEPS = 1_000


@dataclass(frozen=True)
class EventRecord:
    """Flattened event records of a batch; daughter links are global indices (−1: none).

    ``event`` is the event number of each particle within the batch.
    """

    pid: IntArray
    status: IntArray
    daughter1: IntArray
    daughter2: IntArray
    px: FloatArray
    py: FloatArray
    pz: FloatArray
    energy: FloatArray
    event: IntArray

    @classmethod
    def from_local(
        cls,
        counts: npt.ArrayLike,
        pid: npt.ArrayLike,
        status: npt.ArrayLike,
        daughter1: npt.ArrayLike,
        daughter2: npt.ArrayLike,
        px: npt.ArrayLike,
        py: npt.ArrayLike,
        pz: npt.ArrayLike,
        energy: npt.ArrayLike,
    ) -> EventRecord:
        """Build from per-event (local, Pythia-style, 0 = none) daughter indices."""
        counts = np.asarray(counts, dtype=np.int64)
        event = np.repeat(np.arange(len(counts)), counts)
        base = np.repeat(np.cumsum(counts) - counts, counts)

        def to_global(local: npt.ArrayLike) -> IntArray:
            local = np.asarray(local, dtype=np.int64)
            return np.where(local > 0, local + base, -1)

        return cls(
            pid=np.asarray(pid, dtype=np.int64),
            status=np.asarray(status, dtype=np.int64),
            daughter1=to_global(daughter1),
            daughter2=to_global(daughter2),
            px=np.asarray(px, dtype=np.float64),
            py=np.asarray(py, dtype=np.float64),
            pz=np.asarray(pz, dtype=np.float64),
            energy=np.asarray(energy, dtype=np.float64),
            event=event,
        )

    def eta_phi(self, index: IntArray) -> tuple[FloatArray, FloatArray]:
        """(η, φ) of the particles at ``index`` (0 where ``index`` is −1: mask those out)."""
        safe = np.where(index >= 0, index, 0)
        eta = kinematics.eta(self.px[safe], self.py[safe], self.pz[safe])
        phi = kinematics.phi(self.px[safe], self.py[safe])
        return np.where(index >= 0, eta, 0.0), np.where(index >= 0, phi, 0.0)


def _is_copied(record: EventRecord, index: IntArray) -> npt.NDArray[np.bool_]:
    """True where the particle's first daughter is a copy of itself (same id)."""
    child = record.daughter1[index]
    return (child >= 0) & (record.pid[np.where(child >= 0, child, 0)] == record.pid[index])


def last_copy(record: EventRecord, index: IntArray) -> IntArray:
    """Follow each particle through its carbon copies to the copy that decays."""
    index = np.asarray(index, dtype=np.int64).copy()
    for _ in range(_MAX_COPY_STEPS):
        step = _is_copied(record, index)
        if not step.any():
            return index
        index[step] = record.daughter1[index[step]]
    raise RuntimeError("event record has a cycle of particle copies")


def find_parents(record: EventRecord, abs_pid: int) -> IntArray:
    """Global indices of the decaying (last) copy of every particle with |id| = ``abs_pid``."""
    candidates = np.flatnonzero(np.abs(record.pid) == abs_pid)
    return candidates[~_is_copied(record, candidates)]


def _daughters(record: EventRecord, index: IntArray) -> IntArray:
    """(n, 2) first and last daughter; the second is −1 for a single daughter."""
    d1 = record.daughter1[index]
    d2 = record.daughter2[index]
    return np.stack([d1, np.where(d2 != d1, d2, -1)], axis=1)


def decay_quarks(record: EventRecord, parents: IntArray) -> IntArray:
    """(n, 6) global indices of the decay quarks of each parent, −1 padded.

    Quarks among the parent's daughters count directly; a W or Z daughter is followed to its
    last copy and its quark daughters count (top decays).
    """
    parents = np.asarray(parents, dtype=np.int64)
    first = _daughters(record, parents)
    valid_first = first >= 0
    first_pid = np.abs(record.pid[np.where(valid_first, first, 0)])
    boson = valid_first & np.isin(first_pid, _DECAYING_BOSONS)
    second = np.full((len(parents), 2, 2), -1, dtype=np.int64)
    if boson.any():
        second[boson] = _daughters(record, last_copy(record, first[boson]))
    candidates = np.concatenate([first, second.reshape(len(parents), 4)], axis=1)
    valid = candidates >= 0
    is_quark = valid & np.isin(np.abs(record.pid[np.where(valid, candidates, 0)]), _QUARKS)
    return np.where(is_quark, candidates, -1)


def hard_partons(record: EventRecord) -> IntArray:
    """Global indices of the outgoing quarks and gluons of each event's hardest process."""
    apid = np.abs(record.pid)
    hard = (record.status == _HARD_OUTGOING) & (np.isin(apid, _QUARKS) | (apid == 21))
    return np.flatnonzero(hard)


def match_jets(
    jet_eta: FloatArray,
    jet_phi: FloatArray,
    jet_event: IntArray,
    record: EventRecord,
    candidates: IntArray,
    radius: float,
    quarks: IntArray | None = None,
) -> IntArray:
    """For each jet, the candidate it matches (a global particle index), or −1.

    A candidate in the jet's event matches when ΔR(jet, candidate) < ``radius`` and, if
    ``quarks`` (one row of decay-quark indices per candidate, −1 padded) is given, the candidate
    has at least one quark and all of them lie within ``radius`` of the jet axis. The nearest
    matching candidate wins. ``candidates`` must be in event order (as ``np.flatnonzero`` gives).
    """
    n_jets = len(jet_eta)
    result = np.full(n_jets, -1, dtype=np.int64)
    if n_jets == 0 or len(candidates) == 0:
        return result
    cand_event = record.event[candidates]
    n_events = int(max(jet_event.max(), cand_event.max())) + 1
    per_event = np.bincount(cand_event, minlength=n_events)
    start = np.cumsum(per_event) - per_event

    # every (jet, candidate of the same event) pair, jets in order
    per_jet = per_event[jet_event]
    pair_jet = np.repeat(np.arange(n_jets), per_jet)
    within = np.arange(per_jet.sum()) - np.repeat(np.cumsum(per_jet) - per_jet, per_jet)
    pair_cand = np.repeat(start[jet_event], per_jet) + within
    if len(pair_jet) == 0:
        return result

    cand_eta, cand_phi = record.eta_phi(candidates)
    dr = kinematics.delta_r(
        jet_eta[pair_jet], jet_phi[pair_jet], cand_eta[pair_cand], cand_phi[pair_cand]
    )
    ok = dr < radius
    if quarks is not None:
        q_eta, q_phi = record.eta_phi(quarks[pair_cand])
        present = quarks[pair_cand] >= 0
        q_dr = kinematics.delta_r(jet_eta[pair_jet, None], jet_phi[pair_jet, None], q_eta, q_phi)
        inside = np.where(present, q_dr < radius, True)
        ok &= present.any(axis=1) & inside.all(axis=1)

    score = np.where(ok, dr, np.inf)
    order = np.lexsort((score, pair_jet))
    first = np.flatnonzero(np.r_[True, np.diff(pair_jet[order]) != 0])
    best = order[first]
    matched = np.isfinite(score[best])
    result[pair_jet[best[matched]]] = candidates[pair_cand[best[matched]]]
    return result
