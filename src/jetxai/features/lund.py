"""The primary Lund plane: the largest ln k_T among a jet's primary declusterings.

Dreyer, Salam & Soyez, "The Lund jet plane", JHEP 12 (2018) 064, arXiv:1807.04758: the jet is
reclustered with Cambridge/Aachen and declustered following the harder branch; each step gives
Δ (the branches' separation) and k_T = p_T,softer · Δ. A jet without an emission of positive
k_T — a single constituent, or constituents that are all collinear (Δ below
:data:`COLLINEAR`, the round-off of angles computed from momenta) — gets 0, the value of
ln(1 GeV), never −∞ or a round-off value such as ln(10⁻¹³).
"""

from __future__ import annotations

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai.features import _recluster
from jetxai.features._padded import Padded

Array = npt.NDArray[np.float64]

#: Branches closer than this (in y–φ) count as collinear: no emission.
COLLINEAR = 1e-8


def lund_lnkt_max(padded: Padded) -> Array:
    """max ln(k_T / GeV) over each jet's primary Lund declusterings."""
    out = np.zeros(len(padded.mask))
    rows = np.flatnonzero(padded.counts >= 2)
    if len(rows):
        with _recluster.exclusive_calls():
            sequence = _recluster.sequence(padded, rows)
            steps = sequence.exclusive_jets_lund_declusterings(njets=1)
        kt = ak.where(steps.Delta > COLLINEAR, steps.kt, 0.0)
        kt_max = ak.to_numpy(ak.fill_none(ak.max(ak.flatten(kt, axis=1), axis=1), 0.0))
        out[rows] = np.log(np.where(kt_max > 0, kt_max, 1.0))
    return out
