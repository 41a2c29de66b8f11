"""Kinematics against values derived by hand."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai import kinematics

TOL = 1e-12


def test_pt_eta_phi_mass_of_a_hand_made_vector() -> None:
    # p = (3, 4, 12), E = 13: pT = 5, |p| = 13 so m = 0; eta = asinh(12/5); phi = atan2(4, 3)
    assert kinematics.pt(3.0, 4.0) == pytest.approx(5.0, abs=TOL)
    assert kinematics.eta(3.0, 4.0, 12.0) == pytest.approx(np.log((13 + 12) / 5), abs=TOL)
    assert kinematics.phi(3.0, 4.0) == pytest.approx(np.arctan2(4, 3), abs=TOL)
    assert kinematics.mass(3.0, 4.0, 12.0, 13.0) == pytest.approx(0.0, abs=TOL)
    # massless: rapidity equals pseudorapidity; E = 5, pz = 3 gives y = ln(2)
    assert kinematics.rapidity(12.0, 13.0) == pytest.approx(np.log(5), abs=TOL)
    assert kinematics.rapidity(3.0, 5.0) == pytest.approx(0.5 * np.log(8 / 2), abs=TOL)
    assert kinematics.mass(0.0, 0.0, 0.0, 91.2) == pytest.approx(91.2, abs=TOL)


def test_eta_of_degenerate_vectors_is_defined() -> None:
    with np.errstate(all="raise"):
        values = kinematics.eta(np.zeros(3), np.zeros(3), np.array([0.0, 5.0, -5.0]))
    np.testing.assert_array_equal(values, [0.0, np.inf, -np.inf])


@pytest.mark.parametrize(
    ("phi1", "phi2", "expected"),
    [(0.1, -0.1, 0.2), (3.0, -3.0, 6.0 - 2 * np.pi), (-3.0, 3.0, 2 * np.pi - 6.0), (1.0, 1.0, 0.0)],
)
def test_delta_phi_wraps(phi1: float, phi2: float, expected: float) -> None:
    assert kinematics.delta_phi(phi1, phi2) == pytest.approx(expected, abs=TOL)


def test_delta_r_across_the_phi_boundary() -> None:
    # (eta, phi) = (0.3, pi - 0.1) and (0, -pi + 0.3): dphi = -0.4 after wrapping
    assert kinematics.delta_r(0.3, np.pi - 0.1, 0.0, -np.pi + 0.3) == pytest.approx(0.5, abs=TOL)
