"""Quadrature rules for the path integral ∫₀¹ g(α) dα ≈ Σ_m v_m g(α_m).

A pure lookup: ``nodes(method, n_steps)`` returns (α_m, v_m) and rejects unknown names.
- ``riemann_left`` / ``riemann_right`` / ``riemann_middle``: α_m = m/n, (m+1)/n, (m+½)/n; v = 1/n;
- ``riemann_trapezoid``: α_m = m/(n−1), end weights halved;
- ``gausslegendre``: Gauss–Legendre nodes mapped to [0, 1] (exact for polynomials of degree
  2n − 1).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from jetxai._registry import Registry
from jetxai.errors import InputError

Nodes = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
#: Quadratures: name → n → (α, v), the points on [0, 1] and their weights.
QUADRATURES: Registry[Callable[[int], Nodes]] = Registry("quadrature")


@QUADRATURES.register("riemann_left")
def _left(n: int) -> Nodes:
    return np.arange(n) / n, np.full(n, 1.0 / n)


@QUADRATURES.register("riemann_right")
def _right(n: int) -> Nodes:
    return (np.arange(n) + 1.0) / n, np.full(n, 1.0 / n)


@QUADRATURES.register("riemann_middle")
def _middle(n: int) -> Nodes:
    return (np.arange(n) + 0.5) / n, np.full(n, 1.0 / n)


@QUADRATURES.register("riemann_trapezoid")
def _trapezoid(n: int) -> Nodes:
    if n < 2:
        raise InputError("riemann_trapezoid needs n_steps >= 2")
    weights = np.full(n, 1.0 / (n - 1))
    weights[[0, -1]] /= 2
    return np.linspace(0.0, 1.0, n), weights


@QUADRATURES.register("gausslegendre")
def _gauss_legendre(n: int) -> Nodes:
    points, weights = np.polynomial.legendre.leggauss(n)
    return (points + 1.0) / 2.0, weights / 2.0


def nodes(method: str, n_steps: int) -> Nodes:
    """(α, v) of quadrature ``method`` with ``n_steps`` points on [0, 1]."""
    if n_steps < 1:
        raise InputError(f"n_steps must be at least 1, got {n_steps}")
    return QUADRATURES[method](n_steps)
