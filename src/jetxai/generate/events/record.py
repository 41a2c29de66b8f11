"""From a batch of Pythia events to the selected event records and the cut flow.

The selection is applied in stages, each counted for the cut flow: exactly one isolated lepton,
at least ``min_jets`` jets, at least ``min_bjets`` b-tagged jets. The features of the kept events
(:data:`jetxai.data.schema.EVENT_FEATURES`) are

- ``ht``: scalar p_T sum of the jets; ``st``: H_T + lepton p_T + missing E_T;
- ``met``, ``met_phi``: missing transverse momentum and its azimuth;
- ``mt``: transverse mass of lepton + missing p_T, √(2 p_T^ℓ E_T^miss (1 − cos Δφ));
- ``lep_pt``, ``lep_eta``, ``lep_phi``; ``n_jets``, ``n_bjets``;
- ``jet{1..4}_{pt,eta,phi,btag}`` of the four leading jets (zeros when there is no fourth);
- ``m_lb``, ``dr_lb``: invariant mass of, and ΔR between, the lepton and the leading b-tagged jet.
"""

from __future__ import annotations

from typing import Any

import awkward as ak
import numpy as np

from jetxai.catalogue import PROCESSES
from jetxai.data.schema import EVENT_FEATURES
from jetxai.generate.events.config import EventConfig
from jetxai.generate.events.objects import build_objects


def _column(array: ak.Array) -> np.ndarray:
    return ak.to_numpy(array).astype(np.float64)


def _padded(jets: ak.Array, field: str, n: int) -> np.ndarray:
    values = ak.fill_none(ak.pad_none(jets[field], n, clip=True), 0)
    return ak.to_numpy(values).astype(np.float64)


def features(
    leptons: ak.Array, jets: ak.Array, met: np.ndarray, met_phi: np.ndarray
) -> dict[str, np.ndarray]:
    """The event features of events with exactly one lepton (``m_lb`` and ``dr_lb`` are 0 for
    an event without a b-tagged jet, possible only when ``min_bjets`` is 0)."""
    lep = leptons[:, 0]
    lep_pt, lep_eta, lep_phi = _column(lep.pt), _column(lep.eta), _column(lep.phi)
    ht = _column(ak.sum(jets.pt, axis=1))
    out: dict[str, np.ndarray] = {
        "ht": ht,
        "st": ht + lep_pt + met,
        "met": met,
        "met_phi": met_phi,
        "mt": np.sqrt(np.maximum(2 * lep_pt * met * (1 - np.cos(lep_phi - met_phi)), 0.0)),
        "lep_pt": lep_pt,
        "lep_eta": lep_eta,
        "lep_phi": lep_phi,
        "n_jets": _column(ak.num(jets, axis=1)),
        "n_bjets": _column(ak.sum(jets.btag, axis=1)),
    }
    for field in ("pt", "eta", "phi", "btag"):
        padded = _padded(jets, field, 4)
        for i in range(4):
            out[f"jet{i + 1}_{field}"] = np.ascontiguousarray(padded[:, i])
    lead_b = ak.firsts(jets[jets.btag])
    has_b = ~ak.to_numpy(ak.is_none(lead_b))
    b = {f: _column(ak.fill_none(lead_b[f], 0.0)) for f in ("px", "py", "pz", "e", "eta", "phi")}
    px, py, pz, e = (_column(lep[f]) + b[f] for f in ("px", "py", "pz", "e"))
    m_lb = np.sqrt(np.maximum(e**2 - px**2 - py**2 - pz**2, 0.0))
    dphi = (lep_phi - b["phi"] + np.pi) % (2 * np.pi) - np.pi
    out["m_lb"] = np.where(has_b, m_lb, 0.0)
    out["dr_lb"] = np.where(has_b, np.hypot(lep_eta - b["eta"], dphi), 0.0)
    return {name: out[name] for name in EVENT_FEATURES}


def select_events(
    batch: Any, config: EventConfig, rng: np.random.Generator
) -> tuple[ak.Array, dict[str, np.ndarray]]:
    """``(records, stages)`` for a ``Pythia.nextBatch`` result.

    ``records`` holds one record per selected event with its ``event_id`` the position in the
    batch (the caller offsets it); ``stages`` maps each of :data:`STAGES` to a per-event boolean
    array, cumulative, for the cut flow.
    """
    objects = build_objects(batch.prt, config, rng)
    n_leptons = ak.to_numpy(ak.num(objects.leptons, axis=1))
    n_jets = ak.to_numpy(ak.num(objects.jets, axis=1))
    n_bjets = ak.to_numpy(ak.sum(objects.jets.btag, axis=1))
    stages = {"generated": np.ones(len(n_jets), dtype=bool)}
    stages["one_lepton"] = stages["generated"] & (n_leptons == 1)
    stages["jets"] = stages["one_lepton"] & (n_jets >= config.min_jets)
    stages["bjets"] = stages["jets"] & (n_bjets >= config.min_bjets)
    keep = stages["bjets"]
    values = features(
        objects.leptons[keep], objects.jets[keep], objects.met[keep], objects.met_phi[keep]
    )
    n = int(keep.sum())
    record = {
        "label": np.full(n, PROCESSES[config.process].label, dtype=np.int64),
        "process": np.full(n, config.process),
        "event_id": np.flatnonzero(keep).astype(np.int64),
        "weight": np.zeros(n),  # set for the whole dataset once every chunk exists
        **values,
    }
    return ak.zip(record, depth_limit=1), stages
