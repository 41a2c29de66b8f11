"""Jets with generator weights (biased p̂_T sampling) through training and its metrics: the loss,
the test metrics and the IG background use the weights; unweighted datasets beside them weigh
their σ / events tried, the same unit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import torch

from jetxai import data
from jetxai.errors import InputError
from jetxai.generate import generate
from jetxai.models import load, prepare_inputs
from jetxai.studies.background import background_rows, background_weights
from jetxai.train import TrainConfig, load_samples, train

from ..generate.test_biased import BIASED_TOP


@pytest.fixture(scope="module")
def biased_top(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("biased-top")
    generate(BIASED_TOP, root, progress=False)
    return root


def _pairwise_auc(scores: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    """The weighted AUC straight from its definition: the weighted share of (signal,
    background) pairs the signal jet wins, ties counting one half."""
    s, b = labels == 1, labels == 0
    difference = scores[s][:, None] - scores[b][None, :]
    wins = (difference > 0) + 0.5 * (difference == 0)
    pairs = weights[s][:, None] * weights[b][None, :]
    return float((wins * pairs).sum() / pairs.sum())


def test_weighted_and_unweighted_datasets_share_one_unit(
    biased_top: Path, qcd_dataset: Path
) -> None:
    samples = load_samples([biased_top, qcd_dataset])
    top = samples.processes == "top"
    np.testing.assert_array_equal(samples.weight[top], ak.to_numpy(data.read(biased_top).weight))
    qcd = data.read_manifest(qcd_dataset)
    np.testing.assert_allclose(samples.weight[~top], qcd["cross_section_pb"] / qcd["events_tried"])
    assert samples.provenance["has_weight"] is True
    # every jet by its weight within its process, each process keeping its share of the jets
    unit = samples.unit_weight()
    assert unit[top].sum() == pytest.approx(top.sum())
    assert np.all(unit[~top] == 1.0)
    np.testing.assert_allclose(unit[top] / samples.weight[top], unit[top][0] / samples.weight[0])
    # the IG background of the QCD training jets: uniform and by cross-section
    rows = background_rows(samples)
    uniform = background_weights(samples, rows, "uniform").numpy()
    np.testing.assert_allclose(uniform, 1.0 / len(rows))


def test_the_background_of_a_weighted_sample_stands_for_its_unbiased_distribution(
    biased_top: Path, qcd_dataset: Path
) -> None:
    # the biased top jets as background: the uniform background follows their weights
    samples = load_samples([biased_top, qcd_dataset], signal=["qcd"])
    rows = background_rows(samples)
    uniform = background_weights(samples, rows, "uniform").numpy()
    expected = samples.weight[rows] / samples.weight[rows].sum()
    np.testing.assert_allclose(uniform, expected, rtol=1e-12)
    xsec = background_weights(samples, rows, "xsec").numpy()
    np.testing.assert_allclose(xsec, expected, rtol=1e-12)


def test_training_scores_the_test_jets_with_their_weights(
    biased_top: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    # the weighted top jets as the background: its Kish count places the working points
    datasets, signal = [biased_top, qcd_dataset], ["qcd"]
    config = TrainConfig(model="dnn", xaug=["ptd"], seeds=1, epochs=1, batch_size=8, signal=signal)
    train(config, datasets, tmp_path, progress=False)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    samples = load_samples(datasets, signal=signal)
    model = load(tmp_path / "seed-0")
    inputs, additional = prepare_inputs(model, samples.jets[samples.test])
    with torch.no_grad():
        scores = model(*inputs, *additional).numpy().astype(np.float64)
    labels, weights = samples.target[samples.test], samples.weight[samples.test]
    assert len(np.unique(weights[labels == 0])) > 1  # the weights matter here
    expected = _pairwise_auc(scores, labels, weights)
    assert metrics["auc"]["values"][0] == pytest.approx(expected, abs=1e-6)
    unweighted = _pairwise_auc(scores, labels, np.ones_like(weights))
    assert expected != pytest.approx(unweighted, abs=1e-6)  # so the test can tell them apart
    # the effective background count behind the statistical errors is Kish's
    top = weights[labels == 0]
    kish = top.sum() ** 2 / np.square(top).sum()
    assert kish < len(top) - 1e-3  # unequal weights are worth fewer jets
    assert metrics["per_seed"][0]["background_effective"] == pytest.approx(kish, rel=1e-9)


def test_a_dataset_without_a_cross_section_cannot_sit_beside_weights(
    biased_top: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "qcd"
    shutil.copytree(qcd_dataset, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["cross_section_pb"] = None
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="records no cross-section, so its jets cannot be weighed"):
        load_samples([biased_top, copy])
