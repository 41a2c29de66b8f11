"""The parton-level pre-selection: events that cannot give a window jet are vetoed before
hadronisation, and the sample stays the same in distribution and yield."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.errors import InputError
from jetxai.generate import GeneratorConfig, _pythia, generate
from jetxai.generate.config import PARTON_PT_FRACTION

#: W jets (the W′ resonance: cheap events, several jets per ten events).
W = GeneratorConfig(process="w", n_jets=240, seed=5, chunk_size=120, batch_size=100)


def _parton_jets_reference(event: object, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """pT and rapidity of the anti-kT jets of an event's visible final-state particles, read
    particle by particle and clustered by FastJet's Python interface."""
    import fastjet

    rows = []
    for i in range(event.size()):  # type: ignore[attr-defined]
        particle = event[i]  # type: ignore[index]
        if particle.isFinal() and abs(particle.id()) not in (12, 14, 16):
            rows.append((particle.px(), particle.py(), particle.pz(), particle.e()))
    momenta = np.array(rows)
    array = ak.zip({name: momenta[:, k] for k, name in enumerate(("px", "py", "pz", "E"))})
    sequence = fastjet.ClusterSequence(
        array, fastjet.JetDefinition(fastjet.antikt_algorithm, radius)
    )
    jets = sequence.inclusive_jets()
    px, py, pz, energy = (ak.to_numpy(jets[c]) for c in ("px", "py", "pz", "E"))
    return np.hypot(px, py), 0.5 * np.log((energy + pz) / (energy - pz))


def test_the_veto_is_the_parton_level_jet_cut() -> None:
    """On parton-level QCD events (hadronisation off), the hook vetoes exactly the events with
    no anti-kT jet of pT ≥ 0.7 pt_min and |y| < eta_max + R, against FastJet on the same
    particles."""
    config = GeneratorConfig(process="qcd", n_jets=1, preselect="parton")
    cut = config.parton_cut
    assert cut == (0.8, PARTON_PT_FRACTION * 550.0, 2.8)
    parton_level = dataclasses.replace(config, preselect="none", pythia=("HadronLevel:all = off",))
    pythia = _pythia.build(parton_level, seed=11)
    hook = _pythia._classes()[1](cut)
    decisions, expected = [], []
    while len(decisions) < 40:
        if not pythia.next():
            continue
        decisions.append(hook.doVetoPartonLevel(pythia.event))
        pt, y = _parton_jets_reference(pythia.event, cut.radius)
        expected.append(not np.any((pt >= cut.pt_floor) & (np.abs(y) < cut.y_max)))
    assert decisions == expected
    assert 5 <= sum(decisions) <= 35  # both outcomes are exercised
    assert (hook.showered, hook.vetoed) == (40, sum(decisions))


@pytest.fixture(scope="module")
def w_samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    made = {}
    for mode in ("none", "parton"):
        root = tmp_path_factory.mktemp(f"w-{mode}")
        made[mode] = root, generate(dataclasses.replace(W, preselect=mode), root, progress=False)
    return made


def test_vetoed_events_lower_the_cross_section_and_keep_the_yield(
    w_samples: dict[str, tuple[Path, dict]],
) -> None:
    """Pythia draws a new event for each veto and lowers σ by the vetoed share, so the selected
    yield per pb⁻¹ (σ × jets / events) agrees with the plain run within its errors."""
    (_, plain), (_, pre) = w_samples["none"], w_samples["parton"]
    book = pre["preselection"]
    assert "preselection" not in plain
    cut = dataclasses.replace(W, preselect="parton").parton_cut
    assert cut is not None
    assert book["cut"] == cut._asdict()
    assert book["events_showered"] >= pre["events_generated"] + book["events_vetoed"]
    assert 0.03 < book["vetoed_share"] < 0.5
    assert pre["jets_kept"] == plain["jets_kept"] == W.n_jets
    kept = 1 - book["vetoed_share"]
    sigma_pull = (pre["cross_section_pb"] - kept * plain["cross_section_pb"]) / np.hypot(
        pre["cross_section_err_pb"], kept * plain["cross_section_err_pb"]
    )
    assert abs(sigma_pull) < 3
    yields = []
    for manifest in (plain, pre):
        value = manifest["cross_section_pb"] * manifest["jets_kept"] / manifest["events_tried"]
        error = value * np.hypot(
            manifest["cross_section_err_pb"] / manifest["cross_section_pb"],
            1 / np.sqrt(manifest["jets_kept"]),
        )
        yields.append((value, error))
    (a, ea), (b, eb) = yields
    assert abs(a - b) < 3 * np.hypot(ea, eb)
    # the pre-selected events each hold more jets: fewer events hadronised per jet
    assert pre["events_tried"] < plain["events_tried"]


def test_the_pre_selected_jets_look_the_same(w_samples: dict[str, tuple[Path, dict]]) -> None:
    """Jet mass and constituent count of the two samples: two-sample KS at the 1 % level."""
    from scipy.stats import ks_2samp

    plain, pre = (data.read(w_samples[m][0]) for m in ("none", "parton"))
    for name in ("jet_mass", "jet_nparticles", "jet_pt"):
        assert ks_2samp(plain[name].to_numpy(), pre[name].to_numpy()).pvalue > 0.01, name


def test_pre_selected_generation_is_deterministic_and_resumes(
    tmp_path: Path, w_samples: dict[str, tuple[Path, dict]]
) -> None:
    root, whole = w_samples["parton"]
    config = dataclasses.replace(W, preselect="parton")
    generate(dataclasses.replace(config, n_jets=W.chunk_size), tmp_path / "part", progress=False)
    # a second run of the first chunk alone gives the same jets as the full run's first chunk
    first = data.read(tmp_path / "part")
    again = data.read(root)[: W.chunk_size]
    assert ak.to_list(first.part_px) == ak.to_list(again.part_px)
    assert whole["preselection"]["events_showered"] > 0


def test_options_and_identity() -> None:
    from jetxai.generate.runner import config_hash

    assert W.parton_cut is None
    assert "preselect" not in W.to_dict()  # older datasets keep their identity
    pre = dataclasses.replace(W, preselect="parton")
    assert pre.to_dict()["preselect"] == "parton"
    assert GeneratorConfig.from_dict(pre.to_dict()) == pre
    assert config_hash(pre) != config_hash(W)
    with pytest.raises(InputError, match="unknown pre-selection 'hadron'"):
        dataclasses.replace(W, preselect="hadron")
