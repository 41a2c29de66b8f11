"""Event features against values worked out by hand, and the selection of a real batch."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from jetxai.data.schema import EVENT_FEATURES
from jetxai.generate._pythia import build
from jetxai.generate.events import STAGES, EventConfig, select_events
from jetxai.generate.events.record import features


def _vector(pt: float, eta: float, phi: float, mass: float = 0.0, **extra: object) -> dict:
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    e = np.sqrt(px**2 + py**2 + pz**2 + mass**2)
    return {"pt": pt, "eta": eta, "phi": phi, "px": px, "py": py, "pz": pz, "e": e, **extra}


def test_features_of_a_hand_built_event() -> None:
    lepton = _vector(100.0, 0.0, 0.0)
    jets = [
        _vector(300.0, 0.5, 2.0, btag=False),
        _vector(200.0, 0.0, np.pi / 2, btag=True),  # the leading b-tagged jet
        _vector(50.0, -1.0, -2.0, btag=True),
    ]
    met, met_phi = np.array([80.0]), np.array([np.pi])
    out = features(ak.Array([[lepton]]), ak.Array([jets]), met, met_phi)
    assert list(out) == list(EVENT_FEATURES)
    expect = {
        "ht": 550.0,
        "st": 550.0 + 100.0 + 80.0,
        "met": 80.0,
        "mt": np.sqrt(2 * 100 * 80 * (1 - np.cos(np.pi))),  # back to back: 2 √(pT MET)
        "lep_pt": 100.0,
        "n_jets": 3.0,
        "n_bjets": 2.0,
        "jet1_pt": 300.0,
        "jet2_btag": 1.0,
        "jet3_eta": -1.0,
        "jet4_pt": 0.0,  # no fourth jet: zeros
        "jet4_btag": 0.0,
        # massless lepton (100, 0, 0) and b jet (0, 200, 0): m² = 2 · 100 · 200
        "m_lb": np.sqrt(2 * 100.0 * 200.0),
        "dr_lb": np.pi / 2,
    }
    for name, value in expect.items():
        assert out[name][0] == pytest.approx(value, abs=1e-9), name


def test_a_real_batch_gives_the_cut_flow_and_only_selected_events() -> None:
    config = EventConfig(process="vlq", n_events=1, batch_size=40)
    batch = build(config, seed=5).nextBatch(40)
    records, stages = select_events(batch, config, np.random.default_rng(0))
    assert list(stages) == list(STAGES)
    counts = [int(stages[s].sum()) for s in STAGES]
    assert counts[0] == 40
    assert counts == sorted(counts, reverse=True)  # each cut only removes events
    assert len(records) == counts[-1]
    assert ak.to_list(records.event_id) == np.flatnonzero(stages["bjets"]).tolist()
    assert np.all(ak.to_numpy(records.n_bjets) >= 1)
    assert np.all(ak.to_numpy(records.n_jets) >= 3)
    assert np.all(ak.to_numpy(records.lep_pt) > 30)
    assert set(ak.to_list(records.process)) == {"vlq"}
    # the jets are pT-ordered
    assert np.all(ak.to_numpy(records.jet1_pt) >= ak.to_numpy(records.jet2_pt))
