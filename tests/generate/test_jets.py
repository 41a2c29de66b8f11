"""Generated jets obey the selection and are physically consistent (real Pythia + FastJet)."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data, kinematics
from jetxai.data.schema import ALL_FIELDS, LABELS
from jetxai.generate import GeneratorConfig, generate

from ..conftest import SMALL_TOP

TOP_MASS = 172.5  # Pythia's default m_t in GeV


@pytest.fixture(scope="module")
def jets(top_dataset: Path) -> ak.Array:
    return data.read(top_dataset)


def test_schema_and_exact_count(jets: ak.Array) -> None:
    assert len(jets) == SMALL_TOP.n_jets
    assert set(ak.fields(jets)) == set(ALL_FIELDS)
    assert set(jets.process.to_list()) == {"top"}
    assert set(jets.label.to_list()) == {LABELS["top"]}


def test_jets_are_inside_the_selection(jets: ak.Array) -> None:
    pt = jets.jet_pt.to_numpy()
    assert np.all((pt >= SMALL_TOP.pt_min) & (pt < SMALL_TOP.pt_max))
    assert np.all(np.abs(jets.jet_eta.to_numpy()) < SMALL_TOP.eta_max)


def test_constituents_sum_to_the_jet(jets: ak.Array) -> None:
    # anti-kT with the E-scheme: the jet four-momentum is the sum of its constituents
    total = [ak.to_numpy(ak.sum(jets[f], axis=1)) for f in ("part_px", "part_py", "part_pz")]
    energy = ak.to_numpy(ak.sum(jets.part_energy, axis=1))
    np.testing.assert_allclose(kinematics.pt(total[0], total[1]), jets.jet_pt, rtol=1e-9)
    np.testing.assert_allclose(kinematics.mass(*total, energy), jets.jet_mass, rtol=1e-6)
    np.testing.assert_array_equal(ak.num(jets.part_px, axis=1), jets.jet_nparticles)


def test_constituents_are_pt_ordered_and_within_the_jet(jets: ak.Array) -> None:
    pt = np.hypot(jets.part_px, jets.part_py)
    assert ak.all(pt[:, :-1] >= pt[:, 1:])
    flat = {f: ak.to_numpy(ak.flatten(jets[f])) for f in ("part_px", "part_py", "part_pz")}
    counts = ak.to_numpy(jets.jet_nparticles)
    jet_pz = ak.to_numpy(ak.sum(jets.part_pz, axis=1))
    jet_y = kinematics.rapidity(jet_pz, jets.jet_energy.to_numpy())
    # FastJet measures distance in (rapidity, phi)
    dr = kinematics.delta_r(
        kinematics.rapidity(flat["part_pz"], ak.to_numpy(ak.flatten(jets.part_energy))),
        kinematics.phi(flat["part_px"], flat["part_py"]),
        np.repeat(jet_y, counts),
        np.repeat(jets.jet_phi.to_numpy(), counts),
    )
    # anti-kT jets are cones of radius R unless a second hard jet lies within 2R
    assert np.quantile(dr, 0.99) < SMALL_TOP.radius


def test_no_invisible_particles_and_charges_follow_the_ids(jets: ak.Array) -> None:
    pid = np.abs(ak.to_numpy(ak.flatten(jets.part_pid)))
    assert not np.isin(pid, [12, 14, 16]).any()
    np.testing.assert_array_equal(
        ak.flatten(jets.part_charge), data.charge(ak.to_numpy(ak.flatten(jets.part_pid)))
    )


def test_top_jets_are_matched_to_an_on_shell_top(jets: ak.Array) -> None:
    assert set(np.abs(jets.truth_pid.to_list())) == {6}
    truth = [jets[f"truth_{c}"].to_numpy() for c in ("px", "py", "pz", "energy")]
    # Breit-Wigner masses: the bulk on the pole (Gamma_t = 1.4 GeV), tails far above m_W
    masses = kinematics.mass(*truth)
    assert abs(np.median(masses) - TOP_MASS) < 1.5
    assert np.all(masses > 120.0)
    dr = kinematics.delta_r(
        kinematics.eta(*truth[:3]), kinematics.phi(*truth[:2]), jets.jet_eta, jets.jet_phi
    )
    assert np.all(dr < SMALL_TOP.radius)


def test_qcd_jets_keep_their_parton_flavour(tmp_path: Path) -> None:
    config = GeneratorConfig(process="qcd", n_jets=20, seed=3, chunk_size=20, batch_size=20)
    generate(config, tmp_path, progress=False)
    jets = data.read(tmp_path)
    flavour = np.abs(jets.truth_pid.to_numpy())
    assert set(flavour) <= {0, 1, 2, 3, 4, 5, 21}
    assert np.mean(flavour > 0) > 0.8  # nearly every hard jet sits on a hard parton
    assert set(jets.label.to_list()) == {LABELS["qcd"]}


@pytest.mark.parametrize(
    "config",
    [
        GeneratorConfig(process="top", n_jets=1),
        GeneratorConfig(process="qcd", n_jets=1),
        GeneratorConfig(process="higgs", n_jets=1, pthat_sampling="biased"),
        GeneratorConfig(process="w", n_jets=1, pt_min=300.0, pt_max=400.0),
        GeneratorConfig(process="z", n_jets=1, radius=0.4, eta_max=1.0),
    ],
    ids=["top", "qcd", "higgs-biased", "w-300", "z-R0.4"],
)
def test_events_left_unclustered_held_no_jet(
    config: GeneratorConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pre-selection of events worth clustering loses nothing: the same jets as
    clustering every event, on real batches of each process."""
    from jetxai.generate import _pythia, jets
    from jetxai.generate._cluster import could_hold_jet, visible_final_state

    pythia = _pythia.build(config, seed=17)
    batches = [pythia.nextBatch(100) for _ in range(2)]
    chosen = [jets.select_jets(b, config) for b in batches]
    cuts = config.radius, config.pt_min, config.eta_max
    passing = np.concatenate([could_hold_jet(visible_final_state(b.prt).p, *cuts) for b in batches])
    assert not passing.all()  # some events skip FastJet (most in the p̂_T-window processes)
    monkeypatch.setattr(jets, "could_hold_jet", lambda momenta, *_: np.ones(len(momenta), bool))
    every = [jets.select_jets(b, config) for b in batches]
    assert sum(len(c) for c in every) > 0
    for mine, reference in zip(chosen, every, strict=True):
        assert ak.to_list(mine) == ak.to_list(reference)
