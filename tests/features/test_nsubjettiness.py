"""N-subjettiness: paper values for prong configurations and a loop reference."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.features import _recluster, nsubjettiness

from . import _hand

R0 = 0.8


def _taus(p, n_max: int = 3) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    out = []
    for n in range(1, n_max + 1):
        y, phi, pt = _recluster.exclusive_axes(p, n)
        out.append(nsubjettiness.tau_n(p.pt, p.y, p.phi, p.mask, y, phi, pt > 0, r0=R0))
    return out


def test_two_prongs_have_tau1_half_separation_and_tau2_zero() -> None:
    # equal prongs at phi = +-d/2: the one axis is the jet axis, each prong d/2 away
    d = 0.4
    tau1, tau2, _ = _taus(_hand.padded(_hand.two_prongs(d)))
    assert tau1[0] == pytest.approx((d / 2) / R0, rel=1e-12)
    assert tau2[0] == pytest.approx(0.0, abs=1e-12)


def test_three_prongs_need_three_axes() -> None:
    tau1, tau2, tau3 = _taus(_hand.padded(_hand.three_prongs(0.3)))
    assert tau1[0] > tau2[0] > 0
    assert tau3[0] == pytest.approx(0.0, abs=1e-12)


def test_tau_n_matches_a_direct_loop() -> None:
    rng = np.random.default_rng(4)
    pt, y, phi = rng.uniform(1, 50, 7), rng.normal(0, 0.3, 7), rng.normal(0, 0.3, 7)
    axes = np.array([[0.1, -0.2], [0.0, 0.3]])  # (y, phi) of two axes
    p = _hand.padded((pt, y, phi))
    got = nsubjettiness.tau_n(
        p.pt, p.y, p.phi, p.mask, axes[None, :, 0], axes[None, :, 1], beta=2.0, r0=R0
    )
    expected = sum(
        ptk * min(((yk - ay) ** 2 + (fk - af) ** 2) for ay, af in axes)
        for ptk, yk, fk in zip(pt, y, phi, strict=True)
    ) / (pt.sum() * R0**2)
    assert got[0] == pytest.approx(expected, rel=1e-12)


def test_few_constituents_give_zero_and_ratio_is_safe() -> None:
    p = _hand.padded(([50.0], [0.1], [0.2]), ([40.0, 60.0], [0.3, 0.3], [1.0, 1.2]))
    tau1, tau2, tau3 = _taus(p)
    np.testing.assert_array_equal(tau2, [0.0, 0.0])
    assert tau1[0] == 0.0
    assert tau1[1] > 0
    np.testing.assert_array_equal(nsubjettiness.ratio(tau3, tau2), [0.0, 0.0])
