"""Jet shapes against values derived by hand."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.features import shapes

from . import _hand


def test_multiplicities_and_ptd() -> None:
    p = _hand.padded(([3.0, 4.0], [0.0, 0.1], [0.0, 0.1]), charge=[[1, 0]])
    assert shapes.multiplicity(p)[0] == 2
    assert shapes.charged_multiplicity(p)[0] == 1
    assert shapes.ptd(p)[0] == pytest.approx(5 / 7, rel=1e-12)


def test_girth_of_two_symmetric_prongs() -> None:
    # prongs of equal pT at phi = +-d/2: each d/2 from the axis; pT_jet = 2 pT cos(d/2)
    d, pt = 0.4, 100.0
    p = _hand.padded(_hand.two_prongs(d, (pt, pt)))
    expected = 2 * pt * (d / 2) / (2 * pt * np.cos(d / 2))
    assert shapes.girth(p)[0] == pytest.approx(expected, rel=1e-12)


def test_jet_charge() -> None:
    # charges +1 and -1 with pT 4 and 1, collinear so pT_jet = 5: (2 - 1) / sqrt(5)
    p = _hand.padded(([4.0, 1.0], [0.2, 0.2], [0.5, 0.5]), charge=[[1, -1]])
    assert shapes.jet_charge(p, kappa=0.5)[0] == pytest.approx(1 / np.sqrt(5), rel=1e-12)
    assert shapes.jet_charge(p, kappa=1.0)[0] == pytest.approx(3 / 5, rel=1e-12)


def test_empty_and_collinear_jets_are_defined() -> None:
    p = _hand.padded(([10.0, 10.0], [0.1, 0.1], [0.3, 0.3]))
    assert shapes.girth(p)[0] == pytest.approx(0.0, abs=1e-12)
    assert shapes.ptd(p)[0] == pytest.approx(np.sqrt(200) / 20, rel=1e-12)


def test_a_zero_pt_constituent_adds_nothing_to_girth() -> None:
    # the beam particle has p_T = 0 (y = +∞): its term p_T ΔR is 0, not NaN
    p = _hand.with_beam_particle()
    pt, y, phi = p.pt[0, :2], p.y[0, :2], p.phi[0, :2]
    dr = np.hypot(y - p.jet_y[0], phi - p.jet_phi[0])
    assert shapes.girth(p)[0] == pytest.approx((pt * dr).sum() / p.jet_pt[0], rel=1e-12)
