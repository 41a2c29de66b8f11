"""N-subjettiness τ_N and its ratios.

Thaler & Van Tilburg, "Identifying boosted objects with N-subjettiness", JHEP 03 (2011) 015,
arXiv:1011.2268, with the normalised measure:

    τ_N = Σ_k p_T,k · min(ΔR_1k^β, …, ΔR_Nk^β) / Σ_k p_T,k · R₀^β

where the N axes are the exclusive-kT subjets of the jet and ΔR is measured in (y, φ).
A jet with at most N constituents has τ_N = 0 (every constituent can be an axis); a ratio
τ_N / τ_(N−1) with a zero denominator is defined as 0.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from jetxai import kinematics

Array = npt.NDArray[np.float64]


def tau_n(
    pt: Array,
    y: Array,
    phi: Array,
    mask: npt.NDArray[np.bool_],
    axes_y: Array,
    axes_phi: Array,
    axes_mask: npt.NDArray[np.bool_] | None = None,
    beta: float = 1.0,
    r0: float = 0.8,
) -> Array:
    """τ_N for each jet: constituents (N, n) against axes (N, A), normalised by Σ p_T R₀^β."""
    dr = kinematics.delta_r(
        y[:, :, None], phi[:, :, None], axes_y[:, None, :], axes_phi[:, None, :]
    )
    if axes_mask is not None:
        dr = np.where(axes_mask[:, None, :], dr, np.inf)
    nearest = np.where(mask, dr.min(axis=2), 0.0) ** beta
    weights = np.where(mask, pt, 0.0)
    norm = weights.sum(axis=1) * r0**beta
    return np.divide((weights * nearest).sum(axis=1), norm, out=np.zeros(len(pt)), where=norm > 0)


def ratio(numerator: Array, denominator: Array) -> Array:
    """numerator / denominator with 0 where the denominator is 0 (e.g. τ₂₁ = τ₂ / τ₁)."""
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)
