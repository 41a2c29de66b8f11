"""Two hand-made jets (hardest constituent first) used to write files in each public format."""

from __future__ import annotations

import numpy as np

# (pt, eta, phi) per constituent; the second jet has a neutral and a charged particle
JETS = [
    [(300.0, 0.10, 0.20), (200.0, 0.30, 0.00), (50.0, -0.20, 0.40)],
    [(400.0, -1.00, 3.00), (100.0, -1.20, -3.10)],
]


def four_momenta(jet: list[tuple[float, float, float]], mass: float = 0.0) -> np.ndarray:
    """(n, 4) rows of (px, py, pz, E)."""
    pt, eta, phi = (np.array(v) for v in zip(*jet, strict=True))
    mt = np.sqrt(pt**2 + mass**2)
    return np.stack([pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(eta), mt * np.cosh(eta)], 1)


def expected_pt(jet: list[tuple[float, float, float]]) -> float:
    p = four_momenta(jet).sum(axis=0)
    return float(np.hypot(p[0], p[1]))
