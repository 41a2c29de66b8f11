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
