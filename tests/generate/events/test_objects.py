"""Generator-level objects against hand-built events: PDG flavour, isolation, b-tagging, MET."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from jetxai.generate.events import EventConfig
from jetxai.generate.events.objects import (
    btag,
    build_objects,
    heavy_flavour,
    isolated_leptons,
    jet_flavour,
)

CONFIG = EventConfig(process="vlq", n_events=1)


def _particle(pid: int, pt: float, eta: float, phi: float, status: int = 1) -> dict:
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    mass = 0.0
    return {
        "id": pid,
        "status": status,
        "p": {"px": px, "py": py, "pz": pz, "e": float(np.sqrt(px**2 + py**2 + pz**2 + mass))},
    }


def _events(*events: list[dict]) -> ak.Array:
    return ak.Array(list(events))


def test_heavy_flavour_reads_the_quark_digits() -> None:
    codes = [511, -521, 531, 5122, -5232, 553, 10511, 421, -411, 4122, 443, 541, 211, 2212, 5, 4]
    want = [5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 5, 0, 0, 0, 0]
    assert ak.to_list(heavy_flavour(ak.Array(codes))) == want
    # diquarks (n_q3 = 0) carry flavour but are not hadrons
    assert ak.to_list(heavy_flavour(ak.Array([5101, 5503, 4403]))) == [0, 0, 0]


def _visible(*particles: dict) -> ak.Array:
    from jetxai.generate.events.objects import _momenta

    return _momenta(_events(list(particles)))


def test_isolation_sums_other_particles_in_the_cone() -> None:
    # a 100 GeV muon; 10 GeV inside ΔR 0.3 is below 0.15 × 100, 20 GeV is not
    lone = _visible(_particle(13, 100, 0.0, 0.0), _particle(211, 10, 0.2, 0.0))
    busy = _visible(_particle(13, 100, 0.0, 0.0), _particle(211, 20, 0.0, 0.25))
    far = _visible(_particle(-11, 100, 0.0, 0.0), _particle(211, 50, 0.0, 0.35))
    soft = _visible(_particle(13, 20, 0.0, 0.0))  # below the 30 GeV threshold
    forward = _visible(_particle(11, 100, 2.6, 0.0))  # outside |eta| < 2.5
    assert ak.to_list(isolated_leptons(lone, CONFIG)) == [[True, False]]
    assert ak.to_list(isolated_leptons(busy, CONFIG)) == [[False, False]]
    assert ak.to_list(isolated_leptons(far, CONFIG)) == [[True, False]]
    assert ak.to_list(isolated_leptons(soft, CONFIG)) == [[False]]
    assert ak.to_list(isolated_leptons(forward, CONFIG)) == [[False]]


def test_jets_take_the_flavour_of_the_heaviest_hadron_within_the_radius() -> None:
    jets = ak.Array(
        [[{"eta": 0.0, "phi": 0.0}, {"eta": 1.0, "phi": 1.0}, {"eta": -1.0, "phi": 3.1}]]
    )
    hadrons = ak.Array(
        [
            [
                {"eta": 0.1, "phi": 0.1, "flavour": 4},
                {"eta": 0.0, "phi": 0.2, "flavour": 5},  # ΔR 0.2 < 0.3: b wins over c
                {"eta": 1.0, "phi": 1.35, "flavour": 5},  # ΔR 0.35: too far
                {"eta": -1.0, "phi": -3.1, "flavour": 4},  # across φ = ±π: ΔR 0.083
            ]
        ]
    )
    assert ak.to_list(jet_flavour(jets, hadrons, 0.3)) == [[5, 0, 4]]


def test_tagging_rates_follow_the_efficiency_model() -> None:
    n = 200_000
    flavour = ak.Array([[5] * n, [4] * n, [0] * n])
    tags = btag(flavour, CONFIG, np.random.default_rng(3))
    rates = ak.to_numpy(ak.mean(tags, axis=1))
    # binomial standard deviations are at most 0.0011; allow five
    np.testing.assert_allclose(rates, [0.70, 0.10, 0.01], atol=5 * np.sqrt(0.25 / n))
    again = btag(flavour, CONFIG, np.random.default_rng(3))
    assert ak.to_list(again) == ak.to_list(tags)


def test_objects_of_a_hand_built_event() -> None:
    event = [
        _particle(13, 120.0, 0.5, 1.0),  # isolated muon
        _particle(14, 80.0, 0.0, -2.0),  # neutrinos: the missing momentum
        _particle(12, 30.0, 1.0, 2.5),
        _particle(211, 200.0, -1.0, -1.0),  # one-particle jet
        _particle(211, 60.0, 1.5, 2.0),  # another
        _particle(511, 150.0, -1.05, -1.0, status=-2),  # a b hadron beside the first jet
        _particle(211, 50.0, 3.0, 0.0),  # outside the jet acceptance
        _particle(211, 10.0, 0.0, 0.0),  # below the jet threshold
    ]
    config = EventConfig(process="vlq", n_events=1, btag_eff=1.0, mistag=0.0, ctag_eff=0.0)
    objects = build_objects(_events(event), config, np.random.default_rng(0))
    assert ak.to_list(objects.leptons.pid) == [[13]]
    assert ak.to_list(objects.leptons.pt)[0][0] == pytest.approx(120.0)
    jets = objects.jets[0]
    assert ak.to_list(jets.pt) == pytest.approx([200.0, 60.0])
    assert ak.to_list(jets.flavour) == [5, 0]
    assert ak.to_list(jets.btag) == [True, False]
    mx = 80 * np.cos(-2.0) + 30 * np.cos(2.5)
    my = 80 * np.sin(-2.0) + 30 * np.sin(2.5)
    assert objects.met[0] == pytest.approx(np.hypot(mx, my))
    assert objects.met_phi[0] == pytest.approx(np.arctan2(my, mx))
