"""N-subjettiness: paper values for prong configurations and a loop reference."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.errors import InputError
from jetxai.features import _recluster, nsubjettiness, registry
from jetxai.features._padded import Padded

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


#: jetxai's axis names and FastJet contrib's AxesDefinition for the same axes.
CONTRIB_AXES = {"kt": "KT_Axes", "onepass_kt": "OnePass_KT_Axes", "wta_kt": "WTA_KT_Axes"}


@pytest.mark.parametrize("axes", list(nsubjettiness.AXES))
def test_tau_n_equals_fastjet_contrib_njettiness(
    axes: str, top_dataset: Path, qcd_dataset: Path
) -> None:
    jets = ak.concatenate([data.read(top_dataset), data.read(qcd_dataset)])
    p = Padded.from_jets(jets)
    contrib = _recluster.sequence(p, None, "kt").njettiness(
        measure_definition="NormalizedMeasure",
        axes_definition=CONTRIB_AXES[axes],
        njets=[1, 2, 3, 4],
        beta=1.0,
        R0=R0,
    )
    expected = np.array(ak.to_list(contrib))
    got = np.stack([registry.taus(p, n, axes) for n in range(1, 5)], axis=1)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_minimised_axes_never_raise_tau(qcd_dataset: Path) -> None:
    p = Padded.from_jets(data.read(qcd_dataset))
    for n in (1, 2, 3):
        assert (registry.taus(p, n, "onepass_kt") <= registry.taus(p, n, "kt") + 1e-12).all()
    # τ₂ ≤ τ₁ once the axes are minimised (with unminimised kT axes τ₂₁ > 1 happens)
    assert (registry.taus(p, 2) <= registry.taus(p, 1) + 1e-12).all()


def test_one_pass_axes_find_the_weighted_geometric_median() -> None:
    # three collinear constituents with pT 1, 1, 3 at y = 0, 0.1, 0.3: Σ pT |y − a| is
    # smallest at the heaviest point, a = 0.3 (β = 1: the weighted median)
    p = _hand.padded(([1.0, 1.0, 3.0], [0.0, 0.1, 0.3], [0.0, 0.0, 0.0]))
    y, phi = nsubjettiness.one_pass_axes(
        p.pt, p.y, p.phi, p.mask, np.array([[0.1]]), np.array([[0.0]]), accuracy=1e-10
    )
    assert y[0, 0] == pytest.approx(0.3, abs=1e-6)
    assert phi[0, 0] == pytest.approx(0.0, abs=1e-12)


def test_unknown_axes_are_refused() -> None:
    p = _hand.padded(_hand.two_prongs(0.4))
    with pytest.raises(InputError, match="unknown N-subjettiness axes 'anti_kt'"):
        registry.taus(p, 1, "anti_kt")


@pytest.mark.parametrize("axes", list(nsubjettiness.AXES))
def test_a_zero_pt_constituent_gives_finite_tau(axes: str) -> None:
    p = _hand.with_beam_particle()
    assert all(np.isfinite(registry.taus(p, n, axes)).all() for n in (1, 2))
