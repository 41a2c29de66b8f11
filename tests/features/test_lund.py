"""Primary Lund plane: the largest ln kT."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.features import lund

from . import _hand


def test_two_prongs_give_one_declustering() -> None:
    # one declustering: Delta = 0.4 and kT = pT(softer) * Delta = 50 * 0.4 = 20 GeV
    p = _hand.padded(_hand.two_prongs(0.4, (100.0, 50.0)))
    assert lund.lund_lnkt_max(p)[0] == pytest.approx(np.log(20.0), rel=1e-9)


def test_harder_branch_is_followed() -> None:
    # C/A: the 1 GeV particle 0.1 from the 100 GeV prong merges first; the primary declustering
    # sequence then has kT = 50 * ~0.4 (the prongs) and ~1 * 0.1: the maximum is the prong split
    p = _hand.padded(([100.0, 50.0, 1.0], [0.0, 0.0, 0.1], [-0.2, 0.2, -0.2]))
    assert lund.lund_lnkt_max(p)[0] == pytest.approx(np.log(20.0), abs=0.02)


def test_single_constituent_gives_zero() -> None:
    assert lund.lund_lnkt_max(_hand.padded(([50.0], [0.1], [0.2])))[0] == 0.0


def test_collinear_constituents_give_the_no_emission_value() -> None:
    # every declustering has Δ = 0, so k_T = 0: the jet has no emission, like one constituent
    values = lund.lund_lnkt_max(_hand.collinear())
    np.testing.assert_array_equal(values, 0.0)
