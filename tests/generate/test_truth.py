"""Truth matching on hand-made Pythia-style event records whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai import kinematics
from jetxai.generate.truth import (
    EventRecord,
    decay_quarks,
    find_parents,
    hard_partons,
    last_copy,
    match_jets,
)


def _momentum(eta: float, phi: float, pt: float = 100.0, m: float = 0.0) -> tuple[float, ...]:
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return px, py, pz, float(np.sqrt(px**2 + py**2 + pz**2 + m**2))


# Event 0: t (2) is copied to t (3), which decays to W+ (4) and b (5); W+ is copied to (6),
# which decays to u (7) and d-bar (8). A second top (9) decays at eta = -1 to W- (10), b-bar (11);
# W- decays to d (12), u-bar (13). Index 0 is Pythia's system entry, 1 a beam.
# columns: id, status, daughter1, daughter2, eta, phi
EVENT0 = [
    (90, -11, 0, 0, 0.0, 0.0),
    (2212, -12, 0, 0, 0.0, 0.0),
    (6, -22, 3, 3, 0.5, 1.0),
    (6, -62, 4, 5, 0.5, 1.0),
    (24, -22, 6, 6, 0.6, 1.2),
    (5, -23, 0, 0, 0.3, 0.8),
    (24, -62, 7, 8, 0.6, 1.2),
    (2, -23, 0, 0, 0.9, 1.4),
    (-1, -23, 0, 0, 0.4, 1.5),
    (-6, -62, 10, 11, -1.0, -2.0),
    (-24, -22, 12, 13, -1.1, -2.2),
    (-5, -23, 0, 0, -0.8, -1.8),
    (1, -23, 0, 0, -1.0, -2.5),
    (-2, -23, 0, 0, -1.3, -2.1),
]
# Event 1: a QCD event; the hard process makes a gluon (2) and a b quark (3).
EVENT1 = [
    (90, -11, 0, 0, 0.0, 0.0),
    (21, -23, 0, 0, 0.2, 0.0),
    (5, -23, 0, 0, -0.2, 3.0),
    (211, 1, 0, 0, 0.2, 0.1),
]


def _record(*events: list[tuple[float, ...]]) -> EventRecord:
    rows = [row for event in events for row in event]
    momenta = np.array([_momentum(r[4], r[5]) for r in rows])
    return EventRecord.from_local(
        counts=[len(e) for e in events],
        pid=[r[0] for r in rows],
        status=[r[1] for r in rows],
        daughter1=[r[2] for r in rows],
        daughter2=[r[3] for r in rows],
        px=momenta[:, 0],
        py=momenta[:, 1],
        pz=momenta[:, 2],
        energy=momenta[:, 3],
    )


@pytest.fixture
def record() -> EventRecord:
    return _record(EVENT0, EVENT1)


def test_daughter_links_become_global(record: EventRecord) -> None:
    offset = len(EVENT0)
    assert record.daughter1[2] == 3
    assert record.daughter1[offset + 1] == -1  # local 0 means "no daughter"
    np.testing.assert_array_equal(record.event, [0] * len(EVENT0) + [1] * len(EVENT1))


def test_last_copy_follows_carbon_copies(record: EventRecord) -> None:
    np.testing.assert_array_equal(last_copy(record, np.array([2, 4, 3, 9])), [3, 6, 3, 9])


def test_parents_are_the_decaying_copies(record: EventRecord) -> None:
    np.testing.assert_array_equal(find_parents(record, 6), [3, 9])
    np.testing.assert_array_equal(find_parents(record, 24), [6, 10])


def test_top_decay_quarks_go_through_the_w(record: EventRecord) -> None:
    quarks = decay_quarks(record, np.array([3, 9]))
    assert sorted(q for q in quarks[0] if q >= 0) == [5, 7, 8]
    assert sorted(q for q in quarks[1] if q >= 0) == [11, 12, 13]


def test_w_decay_quarks(record: EventRecord) -> None:
    quarks = decay_quarks(record, np.array([6]))
    assert sorted(q for q in quarks[0] if q >= 0) == [7, 8]


def test_hard_partons(record: EventRecord) -> None:
    offset = len(EVENT0)
    found = hard_partons(record)
    # event 1's gluon and b quark; the pion (status 1) is not a hard parton
    assert {offset + 1, offset + 2} <= set(found.tolist())
    assert offset + 3 not in found


def test_top_jets_match_only_when_all_quarks_are_inside(record: EventRecord) -> None:
    parents = find_parents(record, 6)
    quarks = decay_quarks(record, parents)
    # jet A on top 1 (all its quarks within 0.8), jet B on top 2 with R = 0.8: u-bar at
    # (-1.3, -2.1) is 0.3 from the axis, d at (-1.0, -2.5) is 0.5: matched; jet C at (2, 2):
    # nothing; jet D is in event 1, which has no top.
    jet_eta = np.array([0.55, -1.0, 2.0, 0.2])
    jet_phi = np.array([1.15, -2.0, 2.0, 0.0])
    jet_event = np.array([0, 0, 0, 1])
    matched = match_jets(jet_eta, jet_phi, jet_event, record, parents, 0.8, quarks)
    np.testing.assert_array_equal(matched, [3, 9, -1, -1])
    # with R = 0.4 the d quark of top 2 (0.5 away) falls outside: jet B no longer matches
    matched = match_jets(jet_eta, jet_phi, jet_event, record, parents, 0.4, quarks)
    assert matched[1] == -1


def test_a_parent_without_quarks_never_matches(record: EventRecord) -> None:
    quarks = np.full((2, 6), -1)
    matched = match_jets(
        np.array([0.5]),
        np.array([1.0]),
        np.array([0]),
        record,
        find_parents(record, 6),
        0.8,
        quarks,
    )
    assert matched[0] == -1


def test_qcd_jets_take_the_nearest_parton(record: EventRecord) -> None:
    offset = len(EVENT0)
    partons = np.array([offset + 1, offset + 2])
    jet_eta = np.array([0.25, -0.2, 3.0])
    jet_phi = np.array([0.05, -3.0, 0.0])  # -3.0 is 0.28 from +3.0 across the boundary
    matched = match_jets(jet_eta, jet_phi, np.array([1, 1, 1]), record, partons, 0.8)
    np.testing.assert_array_equal(matched, [offset + 1, offset + 2, -1])


def test_matching_uses_the_geometry_of_the_record(record: EventRecord) -> None:
    eta, phi = record.eta_phi(np.array([3, -1]))
    assert eta[0] == pytest.approx(0.5, abs=1e-12)
    assert phi[0] == pytest.approx(1.0, abs=1e-12)
    assert kinematics.delta_r(eta[0], phi[0], 0.5, 1.0) == pytest.approx(0.0, abs=1e-12)
