"""explain_run on a multi-class tagger: each class's logit explained in its own directory as a
binary tagger's run is (the class against the others, in baselines too) and of the class's own
logit, a contrast on the jets of its two classes only."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch

from jetxai.errors import InputError
from jetxai.models import load, prepare_inputs
from jetxai.studies.explain import explain_run
from jetxai.train import TrainConfig, train
from jetxai.train.samples import load_samples

CLASSES = ["qcd", "top", "w"]


@pytest.fixture(scope="module")
def run(three_classes: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mc-run") / "run"
    config = TrainConfig(model="pfn", xaug=["mass", "tau32"], classes=CLASSES, seeds=2,
                         epochs=1, batch_size=16, n_constituents=16)  # fmt: skip
    train(config, _data(three_classes), out, progress=False)
    return out


def _data(root: Path) -> list[Path]:
    return [root / "top", root / "qcd", root / "w"]


def test_every_class_is_explained_in_its_own_directory(
    run: Path, three_classes: Path, tmp_path: Path
) -> None:
    report = explain_run(run, _data(three_classes), tmp_path, progress=False)
    assert report["classes"] == CLASSES
    assert list(report["explained"]) == CLASSES
    assert json.loads((tmp_path / "classes.json").read_text())["explained"] == CLASSES
    samples = load_samples(_data(three_classes), classes=CLASSES)
    classes = samples.target[samples.test]
    for k, name in enumerate(CLASSES):
        for seed in (0, 1):
            table = pq.read_table(tmp_path / name / f"relevance-seed-{seed}.parquet").to_pandas()
            assert len(table) == len(classes)  # every test jet, of every class
            assert np.array_equal(table["label"], (classes == k).astype(int))
            # the logit explained is the class's own, z_k of the tagger on those jets
            model = load(run / f"seed-{seed}")
            inputs, additional = prepare_inputs(model, samples.jets[samples.test])
            with torch.no_grad():
                z = model(*inputs, *additional).double().numpy()
            np.testing.assert_allclose(table["logit"], z[:, k], rtol=1e-5, atol=1e-6)
        ranking = json.loads((tmp_path / name / "ranking.json").read_text())
        assert set(ranking["ensemble_ranking"]["order"]) == {"mass", "tau32"}
    assert not list(tmp_path.rglob("chunks"))
    _check_the_page(tmp_path, run, classes)


def _check_the_page(out: Path, run: Path, classes: np.ndarray) -> None:
    """The per-class page: a section per class, the rankings side by side and the confusion
    matrix of the first seed's test split, as the tagger predicts it."""
    from jetxai.report import build_report

    page = build_report(out).read_text()
    metrics = json.loads((out / "report" / "metrics.json").read_text())
    assert list(metrics["explained"]) == CLASSES
    for name in CLASSES:
        assert f"Logit {name}</h2>" in page
        shares = dict(metrics["explained"][name]["ranking"])
        assert set(shares) >= {"log_pt", "deta"}  # the constituent features' shares
        assert sum(shares.values()) == pytest.approx(1.0, abs=1e-9)
    assert "Rankings side by side" in page
    assert "Confusion matrix" in page
    counts = np.array(metrics["confusion"]["counts"])
    np.testing.assert_array_equal(counts.sum(axis=1), np.bincount(classes, minlength=3))
    samples = load_samples(_data_of(run), classes=CLASSES)
    model = load(run / "seed-0")
    inputs, additional = prepare_inputs(model, samples.jets[samples.test])
    with torch.no_grad():
        predicted = model(*inputs, *additional).argmax(dim=1).numpy()
    expected = np.zeros((3, 3), dtype=int)
    np.add.at(expected, (classes, predicted), 1)
    np.testing.assert_array_equal(counts, expected)


def _data_of(run: Path) -> list[Path]:
    """The datasets the run was trained on, from its metrics."""
    metrics = json.loads((run / "metrics.json").read_text())
    return [Path(p) for p in metrics["data"]["datasets"]]


def test_a_contrast_explains_the_jets_of_its_two_classes(
    run: Path, three_classes: Path, tmp_path: Path
) -> None:
    explain_run(run, _data(three_classes), tmp_path, progress=False, contrast=["top", "w"],
                method="ig", baseline="averaged", n_steps=16)  # fmt: skip
    samples = load_samples(_data(three_classes), classes=CLASSES)
    classes = samples.target[samples.test]
    table = pq.read_table(tmp_path / "top-vs-w" / "relevance-seed-0.parquet").to_pandas()
    assert len(table) == int(np.isin(classes, [1, 2]).sum())  # no QCD jet
    assert np.array_equal(np.sort(table["label"]), np.sort((classes[classes > 0] == 1) * 1))
    assert not (tmp_path / "qcd").exists()


def test_a_binary_tagger_has_no_target(tmp_path: Path) -> None:
    from jetxai.studies.explain import _logits

    (tmp_path / "model.json").write_text("{}")
    with pytest.raises(InputError):
        _logits(tmp_path, "top", None)


def test_a_run_object_explains_every_class_into_one_frame(run: Path) -> None:
    from jetxai.studies import open_run

    frame = open_run(run).explain(max_jets=8, progress=False, target="w")
    assert set(frame["logit"]) == {"w"}
    assert set(frame["seed"]) == {0, 1}
    everything = open_run(run).explain(max_jets=8, progress=False)
    assert sorted(set(everything["logit"])) == sorted(CLASSES)
