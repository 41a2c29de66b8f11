"""Building jets in the common schema from constituent arrays (shared by the readers)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai import kinematics
from jetxai.data.schema import LABELS

#: Constituents with negative energy met while building jets (counted for the caller that asks,
#: with :func:`counting_negative_energies`; None: nobody counts).
_NEGATIVE: ContextVar[list[int] | None] = ContextVar("negative_energies", default=None)


@contextmanager
def counting_negative_energies() -> Iterator[list[int]]:
    """Count, in the yielded one-element list, the constituents with E < 0 that the jets built
    in the block drop (E = 0 is padding; a negative energy is not a particle)."""
    tally = [0]
    token = _NEGATIVE.set(tally)
    try:
        yield tally
    finally:
        _NEGATIVE.reset(token)


def jets_from_constituents(
    px: ak.Array,
    py: ak.Array,
    pz: ak.Array,
    energy: ak.Array,
    pid: ak.Array,
    charge: ak.Array,
    process: npt.ArrayLike,
) -> ak.Array:
    """Jets in the common schema from jagged (or padded, zero-energy entries dropped)
    constituents; jet kinematics are the constituents' four-momentum sum, truth fields are 0,
    ``event_id`` each jet's position in what was given. Constituents with E ≤ 0 are dropped (a
    jet may be left with none: the importer drops and counts those).

    ``process`` gives one name per jet (a key of :data:`LABELS`).
    """
    real = energy > 0
    tally = _NEGATIVE.get()
    if tally is not None:
        tally[0] += int(ak.sum(energy < 0))
    px, py, pz, energy, pid, charge = (a[real] for a in (px, py, pz, energy, pid, charge))
    order = ak.argsort(np.hypot(px, py), axis=1, ascending=False)
    px, py, pz, energy, pid, charge = (a[order] for a in (px, py, pz, energy, pid, charge))
    jet = [ak.to_numpy(ak.sum(a, axis=1)).astype(np.float64) for a in (px, py, pz, energy)]
    process = np.asarray(process, dtype=str)
    size = len(process)
    zeros = np.zeros(size)
    return ak.zip(
        {
            "part_px": ak.values_astype(px, np.float64),
            "part_py": ak.values_astype(py, np.float64),
            "part_pz": ak.values_astype(pz, np.float64),
            "part_energy": ak.values_astype(energy, np.float64),
            "part_pid": ak.values_astype(pid, np.int32),
            "part_charge": ak.values_astype(charge, np.int8),
            "jet_pt": kinematics.pt(jet[0], jet[1]),
            "jet_eta": kinematics.eta(*jet[:3]),
            "jet_phi": kinematics.phi(jet[0], jet[1]),
            "jet_energy": jet[3],
            "jet_mass": kinematics.mass(*jet),
            "jet_nparticles": ak.to_numpy(ak.num(px, axis=1)).astype(np.int32),
            "label": np.array([LABELS[p] for p in process], dtype=np.int32),
            "process": ak.Array(process.tolist()),
            "event_id": np.arange(size, dtype=np.int64),
            "truth_pid": np.zeros(size, dtype=np.int32),
            "truth_px": zeros,
            "truth_py": zeros,
            "truth_pz": zeros,
            "truth_energy": zeros,
        },
        depth_limit=1,
    )


def padded_to_jagged(values: npt.ArrayLike) -> ak.Array:
    """A (N, M) padded numpy array as an awkward (N, var) array (padding removed later)."""
    return ak.from_regular(ak.Array(np.asarray(values)), axis=1)
