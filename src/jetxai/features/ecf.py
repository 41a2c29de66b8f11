"""Energy correlation functions and the ratios C₂, D₂, N₂, M₂.

Normalised ECFs with the p_T–R measure (Larkoski, Salam & Thaler, "Energy correlation functions
for jet substructure", JHEP 06 (2013) 108, arXiv:1305.0007), z_i = p_T,i / Σ_j p_T,j:

    e₂^(β) = Σ_{i<j} z_i z_j ΔR_ij^β
    e₃^(β) = Σ_{i<j<k} z_i z_j z_k (ΔR_ij ΔR_ik ΔR_jk)^β
    C₂^(β) = e₃ / e₂²            D₂^(β) = e₃ / e₂³   (Larkoski, Moult & Neill, arXiv:1409.6298)

e₃ is evaluated as (1/6) Σ_ij z_i z_j A_ij (A·diag(z)·A)_ij with A_ij = ΔR_ij^β, one batched matrix
product per block of jets instead of a triple loop. N₂ and M₂ use the generalised correlators
₂e₃ and ₁e₃ with minima over pairs (Moult, Necib & Thaler, "New angles on energy correlation
functions", JHEP 12 (2016) 153, arXiv:1609.07483); they do not factorise, so they come from
FastJet contrib's EnergyCorrelator. Ratios with a zero denominator are 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from jetxai.features import _recluster
from jetxai.features._padded import Padded

Array = npt.NDArray[np.float64]

#: Jets per block in the batched matrix products: small enough that the (block, n, n)
#: temporaries stay in cache (measured fastest on this machine; results do not depend on it).
BLOCK = 32


def e2_e3(padded: Padded, betas: Sequence[float] = (1.0,)) -> dict[float, tuple[Array, Array]]:
    """Normalised correlators e₂^(β), e₃^(β) of each jet, for each β in ``betas``."""
    size = len(padded.mask)
    result = {beta: (np.zeros(size), np.zeros(size)) for beta in betas}
    total = padded.pt.sum(axis=1)
    z = np.divide(padded.pt, total[:, None], out=np.zeros_like(padded.pt), where=total[:, None] > 0)
    # blocks of jets with similar multiplicity keep the n³ work close to the real constituents
    counts = padded.counts
    order = np.argsort(counts, kind="stable")
    for start in range(0, size, BLOCK):
        rows = order[start : start + BLOCK]
        width = max(int(counts[rows].max()), 1)
        dr = padded.pairwise_delta_r(rows, width)
        zb = z[rows, :width]
        zz = zb[:, :, None] * zb[:, None, :]
        for beta, (e2, e3) in result.items():
            angles = dr if beta == 1.0 else dr**beta
            pair_weights = zz * angles
            through = np.matmul(angles * zb[:, None, :], angles)
            e2[rows] = 0.5 * pair_weights.sum(axis=(1, 2))
            e3[rows] = (pair_weights * through).sum(axis=(1, 2)) / 6.0
    return result


def c2_d2(e2: Array, e3: Array) -> tuple[Array, Array]:
    """C₂ = e₃/e₂² and D₂ = e₃/e₂³ (0 where e₂ = 0)."""
    c2 = np.divide(e3, e2**2, out=np.zeros_like(e3), where=e2 > 0)
    d2 = np.divide(e3, e2**3, out=np.zeros_like(e3), where=e2 > 0)
    return c2, d2


def n2_m2(padded: Padded, beta: float = 1.0) -> tuple[Array, Array]:
    """N₂ = ₂e₃/(₁e₂)² and M₂ = ₁e₃/₁e₂ from FastJet contrib (0 for jets of < 3 constituents)."""
    n2 = np.zeros(len(padded.mask))
    m2 = np.zeros(len(padded.mask))
    rows = np.flatnonzero(padded.counts >= 3)
    if len(rows):
        sequence = _recluster.sequence(padded, rows)
        for out, func in ((n2, "n2"), (m2, "m2")):
            with _recluster.exclusive_calls():
                values = sequence.exclusive_jets_energy_correlator(njets=1, beta=beta, func=func)
            out[rows] = np.nan_to_num(np.asarray(values, dtype=np.float64))
    return n2, m2
