"""Energy correlation functions: paper values, FastJet contrib, and a brute-force reference."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from jetxai import data
from jetxai.features import ecf
from jetxai.features._padded import Padded

from . import _hand

TOL = 1e-10


@pytest.mark.parametrize("beta", [1.0, 2.0])
def test_two_prongs(beta: float) -> None:
    # z1 = z2 = 1/2: e2 = d^beta / 4, e3 = 0, so C2 = D2 = 0
    (e2, e3) = ecf.e2_e3(_hand.padded(_hand.two_prongs(0.4)), (beta,))[beta]
    assert e2[0] == pytest.approx(0.4**beta / 4, rel=TOL)
    assert e3[0] == pytest.approx(0.0, abs=TOL)


@pytest.mark.parametrize("beta", [1.0, 2.0])
def test_three_symmetric_prongs(beta: float) -> None:
    # z = 1/3 on an equilateral triangle of side d: e2 = d^b / 3, e3 = d^3b / 27,
    # C2 = d^b / 3 and D2 = 1 for any beta
    d = 0.3
    (e2, e3) = ecf.e2_e3(_hand.padded(_hand.three_prongs(d)), (beta,))[beta]
    assert e2[0] == pytest.approx(d**beta / 3, rel=TOL)
    assert e3[0] == pytest.approx(d ** (3 * beta) / 27, rel=TOL)
    c2, d2 = ecf.c2_d2(e2, e3)
    assert c2[0] == pytest.approx(d**beta / 3, rel=TOL)
    assert d2[0] == pytest.approx(1.0, rel=TOL)


def test_three_symmetric_prongs_n2_m2() -> None:
    # 1e2 = d/3, 2e3 = d^2 / 27, 1e3 = d / 27: N2 = 1/3, M2 = 1/9 (beta = 1)
    n2, m2 = ecf.n2_m2(_hand.padded(_hand.three_prongs(0.3)))
    assert n2[0] == pytest.approx(1 / 3, rel=1e-9)
    assert m2[0] == pytest.approx(1 / 9, rel=1e-9)


def test_degenerate_jets_give_zero() -> None:
    p = _hand.padded(([50.0], [0.1], [0.2]), ([40.0, 60.0], [0.3, 0.3], [1.0, 1.0]))
    (e2, e3) = ecf.e2_e3(p)[1.0]
    c2, d2 = ecf.c2_d2(e2, e3)
    n2, m2 = ecf.n2_m2(p)
    for values in (c2, d2, n2, m2):
        np.testing.assert_array_equal(values, [0.0, 0.0])


def _brute_force(p: Padded, row: int, beta: float) -> dict[str, float]:
    """Direct sums over pairs and triples (the definitions, no factorisation)."""
    n = int(p.counts[row])
    z = p.pt[row, :n] / p.pt[row, :n].sum()
    dr = p.pairwise_delta_r(np.array([row]), n)[0] ** beta
    e2 = sum(z[i] * z[j] * dr[i, j] for i, j in itertools.combinations(range(n), 2))
    e3 = g2e3 = g1e3 = 0.0
    for i, j, k in itertools.combinations(range(n), 3):
        w = z[i] * z[j] * z[k]
        a, b, c = dr[i, j], dr[i, k], dr[j, k]
        e3 += w * a * b * c
        g2e3 += w * min(a * b, a * c, b * c)
        g1e3 += w * min(a, b, c)
    return {"c2": e3 / e2**2, "d2": e3 / e2**3, "n2": g2e3 / e2**2, "m2": g1e3 / e2}


@pytest.fixture(scope="module")
def real_jets(top_dataset):  # type: ignore[no-untyped-def]
    return Padded.from_jets(data.read(top_dataset)[:6])


@pytest.mark.parametrize("beta", [1.0, 2.0])
def test_c2_d2_equal_fastjet_contrib(real_jets: Padded, beta: float) -> None:
    from jetxai.features import _recluster

    (e2, e3) = ecf.e2_e3(real_jets, (beta,))[beta]
    c2, d2 = ecf.c2_d2(e2, e3)
    sequence = _recluster.sequence(real_jets)
    with _recluster.exclusive_calls():
        ref_c2 = sequence.exclusive_jets_energy_correlator(njets=1, beta=beta, func="c2")
        ref_d2 = sequence.exclusive_jets_energy_correlator(njets=1, beta=beta, func="d2")
    np.testing.assert_allclose(c2, np.asarray(ref_c2), rtol=1e-9)
    np.testing.assert_allclose(d2, np.asarray(ref_d2), rtol=1e-9)


def test_all_ratios_equal_the_brute_force_definitions(real_jets: Padded) -> None:
    # the first 40 constituents of two real jets keep the O(n^3) Python reference fast
    trimmed = Padded.from_momenta(
        *(a[:2, :40] for a in (real_jets.px, real_jets.py, real_jets.pz, real_jets.energy))
    )
    (e2, e3) = ecf.e2_e3(trimmed)[1.0]
    c2, d2 = ecf.c2_d2(e2, e3)
    n2, m2 = ecf.n2_m2(trimmed)
    for row in range(2):
        reference = _brute_force(trimmed, row, 1.0)
        assert c2[row] == pytest.approx(reference["c2"], rel=1e-9)
        assert d2[row] == pytest.approx(reference["d2"], rel=1e-9)
        assert n2[row] == pytest.approx(reference["n2"], rel=1e-9)
        assert m2[row] == pytest.approx(reference["m2"], rel=1e-9)


def test_block_size_does_not_change_results(
    real_jets: Padded, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ecf.e2_e3(real_jets, (1.0, 2.0))
    monkeypatch.setattr(ecf, "BLOCK", 1)
    second = ecf.e2_e3(real_jets, (1.0, 2.0))
    for beta in (1.0, 2.0):
        np.testing.assert_allclose(first[beta][1], second[beta][1], rtol=1e-12)
