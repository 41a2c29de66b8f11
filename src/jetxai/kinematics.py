"""Four-vector kinematics shared by every stage, vectorised over numpy arrays.

Units: GeV for momenta, energies and masses; radians for angles. Pseudorapidity is
η = −ln tan(θ/2) = asinh(p_z / p_T); φ ∈ (−π, π].
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def pt(px: npt.ArrayLike, py: npt.ArrayLike) -> Array:
    """Transverse momentum p_T = √(p_x² + p_y²)."""
    return np.hypot(px, py)


def eta(px: npt.ArrayLike, py: npt.ArrayLike, pz: npt.ArrayLike) -> Array:
    """Pseudorapidity asinh(p_z / p_T); ±inf along the beam, 0 for a zero vector."""
    transverse = np.hypot(px, py)
    pz = np.asarray(pz, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.arcsinh(pz / transverse)
    return np.where((transverse == 0) & (pz == 0), 0.0, value)


def rapidity(pz: npt.ArrayLike, energy: npt.ArrayLike) -> Array:
    """Rapidity y = ½ ln((E + p_z) / (E − p_z)) (what FastJet measures distances in)."""
    pz = np.asarray(pz, dtype=np.float64)
    energy = np.asarray(energy, dtype=np.float64)
    return 0.5 * np.log((energy + pz) / (energy - pz))


def phi(px: npt.ArrayLike, py: npt.ArrayLike) -> Array:
    """Azimuth atan2(p_y, p_x) in (−π, π]."""
    return np.arctan2(py, px)


def mass(px: npt.ArrayLike, py: npt.ArrayLike, pz: npt.ArrayLike, energy: npt.ArrayLike) -> Array:
    """Invariant mass √max(E² − |p|², 0) (slightly space-like round-off is clipped to 0)."""
    m2 = np.square(energy) - np.square(px) - np.square(py) - np.square(pz)
    return np.sqrt(np.maximum(m2, 0.0))


def _array(x: Any) -> Any:
    """``x`` as an array: numpy and awkward arrays as they are (so jagged arrays work too)."""
    return x if hasattr(x, "__array_ufunc__") else np.asarray(x)


def delta_phi(phi1: Any, phi2: Any) -> Any:
    """φ₁ − φ₂ wrapped into [−π, π) (numpy or awkward arrays)."""
    return (_array(phi1) - _array(phi2) + np.pi) % (2 * np.pi) - np.pi


def delta_r(eta1: Any, phi1: Any, eta2: Any, phi2: Any) -> Any:
    """ΔR = √(Δη² + Δφ²) with Δφ wrapped (numpy or awkward arrays)."""
    return np.hypot(_array(eta1) - _array(eta2), delta_phi(phi1, phi2))
