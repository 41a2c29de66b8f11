"""Hand-made jets from (pT, y, φ) lists, for configurations whose observables are known on paper."""

from __future__ import annotations

from collections.abc import Sequence

import awkward as ak
import numpy as np

from jetxai.features._padded import Padded


def momenta(pt: Sequence[float], y: Sequence[float], phi: Sequence[float], m: float = 0.0):  # type: ignore[no-untyped-def]
    pt, y, phi = (np.asarray(a, dtype=np.float64) for a in (pt, y, phi))
    mt = np.sqrt(pt**2 + m**2)
    return pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y), mt * np.cosh(y)


def jets(
    *constituents: tuple[Sequence[float], ...], charge: Sequence[Sequence[int]] | None = None
) -> ak.Array:
    """Awkward jets in the common schema; each argument is (pt, y, phi) lists for one jet."""
    rows = []
    for i, (pt, y, phi) in enumerate(constituents):
        px, py, pz, e = momenta(pt, y, phi)
        q = [0] * len(pt) if charge is None else list(charge[i])
        rows.append(
            {
                "part_px": px.tolist(),
                "part_py": py.tolist(),
                "part_pz": pz.tolist(),
                "part_energy": e.tolist(),
                "part_charge": q,
                "part_pid": [211] * len(pt),
            }
        )
    return ak.Array(rows)


def padded(
    *constituents: tuple[Sequence[float], ...], charge: Sequence[Sequence[int]] | None = None
) -> Padded:
    return Padded.from_jets(jets(*constituents, charge=charge))


def two_prongs(d: float, pt: tuple[float, float] = (100.0, 100.0)) -> tuple[list[float], ...]:
    """Two massless prongs at y = 0, φ = ±d/2."""
    return list(pt), [0.0, 0.0], [-d / 2, d / 2]


def three_prongs(d: float, pt: float = 100.0) -> tuple[list[float], ...]:
    """Three equal massless prongs on an equilateral triangle of side d in (y, φ)."""
    r = d / np.sqrt(3)
    angles = np.array([90.0, 210.0, 330.0]) * np.pi / 180
    return [pt] * 3, list(r * np.sin(angles)), list(r * np.cos(angles))


def collinear(n_jets: int = 200, seed: int = 0) -> Padded:
    """Jets of three massless constituents sharing one direction (m = 0 up to round-off)."""
    rng = np.random.default_rng(seed)
    pt = rng.uniform(10, 300, (n_jets, 3))
    y = np.repeat(rng.uniform(-2, 2, (n_jets, 1)), 3, axis=1)
    phi = np.repeat(rng.uniform(-3, 3, (n_jets, 1)), 3, axis=1)
    return Padded.from_momenta(pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(y), pt * np.cosh(y))


def with_beam_particle() -> Padded:
    """Two ordinary constituents and a massless one along the beam (p_T = 0, y = +∞)."""
    px, py, pz = (
        np.array([[100.0, 80.0, 0.0]]),
        np.array([[0.0, 10.0, 0.0]]),
        np.array([[10.0, 5.0, 30.0]]),
    )
    return Padded.from_momenta(px, py, pz, np.sqrt(px**2 + py**2 + pz**2))
