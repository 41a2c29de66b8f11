"""Exclusive-kT subjet separation."""

from __future__ import annotations

import pytest

from jetxai.features import subjets

from . import _hand


def test_two_prongs_are_the_two_subjets() -> None:
    assert subjets.dr_subjets(_hand.padded(_hand.two_prongs(0.4)))[0] == pytest.approx(
        0.4, rel=1e-12
    )


def test_close_pair_merges_before_the_far_particle() -> None:
    # two 50 GeV particles 0.05 apart at phi = 0 and one 80 GeV particle at phi = 0.5:
    # kT merges the close pair; the subjets are (pair at phi = 0) and (phi = 0.5)
    p = _hand.padded(([50.0, 50.0, 80.0], [0.025, -0.025, 0.0], [0.0, 0.0, 0.5]))
    assert subjets.dr_subjets(p)[0] == pytest.approx(0.5, rel=1e-3)


def test_single_constituent_gives_zero() -> None:
    assert subjets.dr_subjets(_hand.padded(([50.0], [0.1], [0.2])))[0] == 0.0


def test_constituents_belong_to_their_prong() -> None:
    # three prongs of two particles each, far apart; the hardest prong (200 GeV) is subjet 1.
    # Listed out of pT order: membership follows the pT-ordered slots of `constituents`
    pt = [30.0, 100.0, 20.0, 100.0, 60.0, 10.0]
    y = [0.4, 0.0, 0.41, 0.01, -0.4, -0.41]
    phi = [0.0, 0.3, 0.01, 0.3, 0.0, 0.01]
    jets = _hand.jets((pt, y, phi), ([50.0], [0.0], [0.0]))
    membership = subjets.subjet_membership(jets, n=8, n_subjets=3)
    # slots by pT: 100 (prong A), 100 (A), 60 (prong C), 30 (B), 20 (B), 10 (C)
    # subjets by pT: A = 200 → 0, C = 70 → 1, B = 50 → 2
    assert membership[0].tolist() == [0, 0, 1, 2, 2, 1, -1, -1]
    assert membership[1].tolist() == [0] + [-1] * 7  # a single particle is its own subjet
