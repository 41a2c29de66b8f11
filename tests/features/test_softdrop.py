"""Soft drop on a configuration whose grooming is known on paper."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.features import softdrop

from . import _hand


def test_soft_wide_particle_is_groomed_away() -> None:
    # prongs of 100 GeV at phi = +-0.2 and a 1 GeV particle at y = 0.7: C/A merges the prongs
    # first (0.4 apart), then the soft particle. Declustering drops it (z = 1/201 < 0.1) and
    # stops at the prongs (z = 1/2): m_SD is the two-prong mass, z_g = 0.5, R_g = 0.4.
    p = _hand.padded(([100.0, 100.0, 1.0], [0.0, 0.0, 0.7], [-0.2, 0.2, 0.0]))
    msd, zg, rg = softdrop.soft_drop(p, beta=0.0, z_cut=0.1, r0=0.8)
    two_prong_mass = np.sqrt(2 * 100 * 100 * (1 - np.cos(0.4)))
    assert msd[0] == pytest.approx(two_prong_mass, rel=1e-9)
    assert zg[0] == pytest.approx(0.5, rel=1e-9)
    assert rg[0] == pytest.approx(0.4, rel=1e-9)
    assert msd[0] < p.jet_mass[0]


def test_hard_enough_third_particle_stays() -> None:
    # at 30 GeV the third particle passes z_cut: nothing is groomed, m_SD = m_jet
    p = _hand.padded(([100.0, 100.0, 30.0], [0.0, 0.0, 0.7], [-0.2, 0.2, 0.0]))
    msd, zg, _ = softdrop.soft_drop(p)
    assert msd[0] == pytest.approx(p.jet_mass[0], rel=1e-9)
    # the merged prongs carry pT = 200 cos(0.2), so z_g = 30 / (30 + 200 cos 0.2)
    assert zg[0] == pytest.approx(30 / (30 + 200 * np.cos(0.2)), rel=1e-9)


def test_single_constituent_jet() -> None:
    msd, zg, rg = softdrop.soft_drop(_hand.padded(([50.0], [0.1], [0.2])))
    # a massless 50 GeV particle: sqrt(E^2 - p^2) is zero up to float64 round-off (~1e-6 GeV)
    assert msd[0] == pytest.approx(0.0, abs=1e-5)
    assert (zg[0], rg[0]) == (0.0, 0.0)


def test_groomed_mass_of_collinear_constituents_is_zero_not_negative() -> None:
    # FastJet returns −√(−m²) for a round-off space-like mass; m_SD is clipped at 0
    msd, _, _ = softdrop.soft_drop(_hand.collinear())
    assert (msd >= 0).all()
    np.testing.assert_allclose(msd, 0.0, atol=1e-3)
