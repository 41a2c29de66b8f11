"""Biased p̂_T sampling: a wide p̂_T range drawn with a bias towards the jet window, every jet
carrying the weight that undoes it; and the damped-ISR option."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.catalogue import PROCESSES
from jetxai.errors import InputError
from jetxai.generate import GeneratorConfig, _pythia, generate
from jetxai.generate.chunk import EVENT_ID_STRIDE, chunk_seed
from jetxai.generate.config import BIASED_PTHAT_MIN

#: Two small chunks of biased top jets (the default biased p̂_T range).
BIASED_TOP = GeneratorConfig(
    process="top", n_jets=30, seed=3, chunk_size=15, batch_size=50, pthat_sampling="biased"
)


@pytest.fixture(scope="module")
def biased_top(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("biased-top")
    generate(BIASED_TOP, root, progress=False)
    return root


def test_biased_sampling_widens_the_window_and_sets_the_bias() -> None:
    assert BIASED_TOP.pthat_window == (BIASED_PTHAT_MIN, 2.0 * BIASED_TOP.pt_max)
    settings = _pythia.settings(BIASED_TOP, 1)
    assert "PhaseSpace:bias2Selection = on" in settings
    assert f"PhaseSpace:bias2SelectionPow = {PROCESSES['top'].bias_power}" in settings
    assert f"PhaseSpace:bias2SelectionRef = {BIASED_TOP.pt_min}" in settings
    # the wide range loses < 1 % of the window jets: no caveat, where the window warns of 14 %
    assert BIASED_TOP.caveats() == []
    assert dataclasses.replace(BIASED_TOP, pthat_sampling="window").caveats()
    # a window the user gives is kept, biased inside it
    own = dataclasses.replace(BIASED_TOP, pthat_min=100.0)
    assert own.pthat_window == (100.0, 1300.0)
    _pythia.check(BIASED_TOP)  # Pythia knows every setting


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pthat_sampling": "sliced"}, "unknown p̂_T sampling 'sliced'"),
        ({"process": "w", "pthat_sampling": "biased"}, "nothing to bias"),
        ({"isr": "soft"}, "unknown ISR choice 'soft'"),
    ],
)
def test_bad_sampling_options_are_refused(change: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        dataclasses.replace(BIASED_TOP, **change)


def test_options_at_their_defaults_leave_older_datasets_their_identity() -> None:
    from jetxai.generate.runner import config_hash

    plain = GeneratorConfig(process="qcd", n_jets=1)
    assert "pthat_sampling" not in plain.to_dict()
    assert "isr" not in plain.to_dict()
    for config in (plain, BIASED_TOP, dataclasses.replace(plain, isr="damped")):
        assert GeneratorConfig.from_dict(config.to_dict()) == config
    assert BIASED_TOP.to_dict()["pthat_sampling"] == "biased"
    hashes = {config_hash(c) for c in (plain, dataclasses.replace(plain, isr="damped"))}
    assert len(hashes) == 2


def test_damped_isr_is_a_recorded_pythia_setting() -> None:
    damped = dataclasses.replace(BIASED_TOP, isr="damped")
    assert "SpaceShower:pTdampMatch = 1" in _pythia.settings(damped, 1)
    assert "SpaceShower:pTdampMatch = 1" not in _pythia.settings(BIASED_TOP, 1)
    assert damped.to_dict()["isr"] == "damped"
    wimpy = dataclasses.replace(BIASED_TOP, isr="wimpy")
    assert "SpaceShower:pTmaxMatch = 1" in _pythia.settings(wimpy, 1)
    _pythia.check(damped)
    _pythia.check(wimpy)


def test_each_jet_weighs_the_inverse_of_its_events_bias(biased_top: Path) -> None:
    """Pythia's own p̂_T of each jet's event, from the same seeds and batches: weight ×
    (p̂_T / pt_min)^power is the same for every jet, and the weights are in pb."""
    jets = data.read(biased_top)
    manifest = data.read_manifest(biased_top)
    chunk_events = [c["events_generated"] for c in manifest["chunks"]]
    pthat = []
    for index, events in enumerate(chunk_events):
        pythia = _pythia.build(BIASED_TOP, chunk_seed(BIASED_TOP.seed, index))
        batches = [pythia.nextBatch(BIASED_TOP.batch_size) for _ in range(events // 50)]
        pthat.append(np.concatenate([np.sqrt(ak.to_numpy(b.info.pT2Hat)) for b in batches]))
    event = ak.to_numpy(jets.event_id)
    chunk, number = event // EVENT_ID_STRIDE, event % EVENT_ID_STRIDE
    mine = np.array([pthat[c][n] for c, n in zip(chunk, number, strict=True)])
    weight = ak.to_numpy(jets.weight)
    unbiased = weight * (mine / BIASED_TOP.pt_min) ** PROCESSES["top"].bias_power
    np.testing.assert_allclose(unbiased, unbiased[0], rtol=1e-9)
    assert len(np.unique(weight)) > 5  # the events span the range: the weights differ
    # the weights sum to the selected jets' yield per pb⁻¹, and the manifest says how many
    # jets they are worth (Kish) and what one costs in events
    assert weight.sum() == pytest.approx(manifest["selected_yield_pb"], rel=1e-12)
    kish = weight.sum() ** 2 / np.square(weight).sum()
    assert manifest["effective_jets"] == pytest.approx(kish, rel=1e-9)
    assert manifest["events_per_effective_jet"] == pytest.approx(
        manifest["events_tried"] / kish, rel=1e-9
    )
    assert manifest["weights_final"] is True
    assert manifest["complete"] is True
    assert manifest["sampling"]["pthat_window"] == [50.0, 1300.0]


def test_resume_gives_the_weights_of_an_uninterrupted_run(biased_top: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(biased_top, root)
    data.chunk_path(root, 1).unlink()  # a run stopped before its second chunk
    generate(BIASED_TOP, root, progress=False)
    assert ak.to_list(data.read(root)) == ak.to_list(data.read(biased_top))
    assert data.read_manifest(root)["weight_pb"] == data.read_manifest(biased_top)["weight_pb"]
