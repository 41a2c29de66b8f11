"""Soft-drop grooming: groomed mass m_SD, momentum fraction z_g and groomed radius R_g.

Larkoski, Marzani, Soyez & Thaler, "Soft drop", JHEP 05 (2014) 146, arXiv:1402.2657. The jet is
reclustered with Cambridge/Aachen and declustered along the harder branch until

    min(p_T1, p_T2) / (p_T1 + p_T2) > z_cut · (ΔR₁₂ / R₀)^β ;

m_SD is the mass of what remains, z_g and R_g are the momentum fraction and ΔR of the two
branches at the step that passes. Computed by FastJet contrib's SoftDrop. A jet groomed down to a
single constituent has z_g = R_g = 0. m_SD is clipped at 0 (FastJet's mass of a nearly
massless groomed jet can round to a tiny negative number).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from jetxai.features import _recluster
from jetxai.features._padded import Padded

Array = npt.NDArray[np.float64]


def soft_drop(
    padded: Padded, beta: float = 0.0, z_cut: float = 0.1, r0: float = 0.8
) -> tuple[Array, Array, Array]:
    """(m_SD, z_g, R_g) for each jet; jets with one constituent keep their own mass."""
    size = len(padded.mask)
    msd = padded.jet_mass.copy()
    zg = np.zeros(size)
    rg = np.zeros(size)
    rows = np.flatnonzero(padded.counts >= 2)
    if len(rows):
        with _recluster.exclusive_calls():
            groomed = _recluster.sequence(padded, rows).exclusive_jets_softdrop_grooming(
                njets=1, beta=beta, symmetry_cut=z_cut, R0=r0
            )
        msd[rows] = np.clip(np.asarray(groomed.msoftdrop, dtype=np.float64), 0.0, None)
        zg[rows] = np.clip(np.asarray(groomed.symmetrysoftdrop, dtype=np.float64), 0.0, None)
        rg[rows] = np.clip(np.asarray(groomed.deltaRsoftdrop, dtype=np.float64), 0.0, None)
    return msd, zg, rg
