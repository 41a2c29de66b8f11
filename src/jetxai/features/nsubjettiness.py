"""N-subjettiness τ_N and its ratios.

Thaler & Van Tilburg, "Identifying boosted objects with N-subjettiness", JHEP 03 (2011) 015,
arXiv:1011.2268, with the normalised measure:

    τ_N = Σ_k p_T,k · min(ΔR_1k^β, …, ΔR_Nk^β) / Σ_k p_T,k · R₀^β

where ΔR is measured in (y, φ). The N axes are a named choice (:data:`AXES`):

- ``kt``: the exclusive-kT subjets of the jet (E-scheme recombination);
- ``onepass_kt`` (the default, as CMS): the kT axes moved to a local minimum of τ_N by
  :func:`one_pass_axes` (Thaler & Van Tilburg, "Maximizing boosted top identification by
  minimizing N-subjettiness", JHEP 02 (2012) 093, arXiv:1108.2701);
- ``wta_kt`` (as ATLAS): exclusive-kT subjets with winner-take-all p_T recombination
  (Larkoski, Neill & Thaler, "Jet shapes with the broadening axis", JHEP 04 (2014) 017,
  arXiv:1401.2158), which lie on a constituent.

Unminimised kT axes can give τ₂ > τ₁ (τ₂₁ > 1 for about 8 % of QCD jets); minimised axes
cannot, and FastJet contrib's ``Nsubjettiness`` computes the same three definitions.
A jet with at most N constituents has τ_N = 0 (every constituent can be an axis); a ratio
τ_N / τ_(N−1) with a zero denominator is defined as 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jetxai import kinematics
from jetxai._registry import Registry
from jetxai.features import _recluster
from jetxai.features._padded import Padded

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Axes:
    """A named axis definition: ``find(padded, n)`` → the (N, n) rapidity and azimuth of each
    jet's n axes and which of them are real (a jet with fewer constituents has fewer)."""

    find: Callable[[Padded, int], tuple[Array, Array, npt.NDArray[np.bool_]]]
    description: str


#: The axis definitions τ_N can be measured against, with the default first.
AXES: Registry[Axes] = Registry("N-subjettiness axes", make=Axes)


@AXES.register("onepass_kt", description="exclusive-kT axes minimised in one pass (CMS)")
def _onepass_kt(padded: Padded, n: int) -> tuple[Array, Array, npt.NDArray[np.bool_]]:
    y, phi, pt = _recluster.exclusive_axes(padded, n, "E")
    rows = np.flatnonzero(padded.counts > n)  # jets with at most n constituents: τ_N = 0
    y, phi = y.copy(), phi.copy()
    y[rows], phi[rows] = one_pass_axes(
        padded.pt[rows], padded.y[rows], padded.phi[rows], padded.mask[rows], y[rows], phi[rows]
    )
    return y, phi, pt > 0


@AXES.register("kt", description="exclusive-kT axes, E-scheme")
def _kt(padded: Padded, n: int) -> tuple[Array, Array, npt.NDArray[np.bool_]]:
    y, phi, pt = _recluster.exclusive_axes(padded, n, "E")
    return y, phi, pt > 0


@AXES.register("wta_kt", description="exclusive-kT axes, winner-take-all recombination (ATLAS)")
def _wta_kt(padded: Padded, n: int) -> tuple[Array, Array, npt.NDArray[np.bool_]]:
    y, phi, pt = _recluster.exclusive_axes(padded, n, "wta_pt")
    return y, phi, pt > 0


#: Default axis definition.
DEFAULT_AXES = "onepass_kt"
#: Convergence scale of the one-pass minimisation (as FastJet contrib's default).
ACCURACY = 1e-4
#: Most update steps of the one-pass minimisation (as FastJet contrib's default).
MAX_PASSES = 1000
_TWO_PI = 2 * np.pi


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


def _axis_distance_sq(y: Array, phi: Array, axes_y: Array, axes_phi: Array) -> Array:
    """Δy² + Δφ² with φ in [0, 2π) and |Δφ| folded into [0, π]."""
    dphi = np.abs(phi - axes_phi)
    dphi = np.where(dphi > np.pi, _TWO_PI - dphi, dphi)
    return (y - axes_y) ** 2 + dphi**2


def one_pass_axes(
    pt: Array,
    y: Array,
    phi: Array,
    mask: npt.NDArray[np.bool_],
    axes_y: Array,
    axes_phi: Array,
    beta: float = 1.0,
    accuracy: float = ACCURACY,
    max_passes: int = MAX_PASSES,
) -> tuple[Array, Array]:
    """Axes (N, A) moved from the seeds ``axes_*`` to a local minimum of τ_N.

    Each pass assigns every constituent k to its nearest axis and moves axis j to the weighted
    mean of its constituents' (y, φ) with weights p_T,k (ΔR_jk² + ε²)^(β/2 − 1), ε = ``accuracy``
    (for β = 1 this is Weiszfeld's step towards the p_T-weighted geometric median; ε keeps it
    finite on a constituent). An axis without constituents stays. A jet stops once the mean
    shift of its axes is at most ``accuracy`` (or after ``max_passes``). Azimuths come back in
    [0, 2π). This is FastJet contrib's ``OnePass_KT_Axes`` procedure.
    """
    n_axes = axes_y.shape[1]
    ay = np.array(axes_y, dtype=np.float64)
    aphi = np.mod(axes_phi, _TWO_PI)
    phi = np.mod(phi, _TWO_PI)
    weights_pt = np.where(mask, pt, 0.0)
    slots = np.arange(n_axes)
    active = np.flatnonzero(mask.any(axis=1))
    for _ in range(max_passes):
        if not len(active):
            break
        old_y, old_phi = ay[active], aphi[active]
        py, pphi = y[active], phi[active]
        d2 = _axis_distance_sq(py[:, :, None], pphi[:, :, None], old_y[:, None], old_phi[:, None])
        nearest = d2.argmin(axis=2)
        d2_near = np.take_along_axis(d2, nearest[:, :, None], axis=2)[:, :, 0]
        if beta == 2.0:
            w = weights_pt[active]
        else:
            w = weights_pt[active] * (d2_near + accuracy**2) ** (0.5 * beta - 1.0)
        axis_phi = np.take_along_axis(old_phi, nearest, axis=1)
        step = pphi - axis_phi
        unwrapped = np.where(
            step > np.pi, pphi - _TWO_PI, np.where(step < -np.pi, pphi + _TWO_PI, pphi)
        )
        member = (nearest[:, :, None] == slots) & mask[active][:, :, None]
        total = np.einsum("rk,rka->ra", w, member)
        sum_y = np.einsum("rk,rka->ra", w * py, member)
        sum_phi = np.einsum("rk,rka->ra", w * unwrapped, member)
        moved = total > 0
        safe = np.where(moved, total, 1.0)
        new_y = np.where(moved, sum_y / safe, old_y)
        new_phi = np.where(moved, np.fmod(sum_phi / safe + _TWO_PI, _TWO_PI), old_phi)
        shift = np.sqrt(_axis_distance_sq(new_y, new_phi, old_y, old_phi)).mean(axis=1)
        ay[active], aphi[active] = new_y, new_phi
        active = active[shift > accuracy]
    return ay, aphi
