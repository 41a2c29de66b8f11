"""The primary Lund plane: the largest ln k_T among a jet's primary declusterings.

Dreyer, Salam & Soyez, "The Lund jet plane", JHEP 12 (2018) 064, arXiv:1807.04758: the jet is
reclustered with Cambridge/Aachen and declustered following the harder branch; each step gives
Δ (the branches' separation) and k_T = p_T,softer · Δ. A jet with a single constituent has no
declustering and gets 0.
"""

from __future__ import annotations

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai.features import _recluster
from jetxai.features._padded import Padded

Array = npt.NDArray[np.float64]


def lund_lnkt_max(padded: Padded) -> Array:
    """max ln(k_T / GeV) over each jet's primary Lund declusterings."""
    out = np.zeros(len(padded.mask))
    rows = np.flatnonzero(padded.counts >= 2)
    if len(rows):
        with _recluster.exclusive_calls():
            sequence = _recluster.sequence(padded, rows)
            steps = sequence.exclusive_jets_lund_declusterings(njets=1)
        kt_max = ak.to_numpy(ak.fill_none(ak.max(ak.flatten(steps.kt, axis=1), axis=1), 1.0))
        out[rows] = np.log(kt_max)
    return out
