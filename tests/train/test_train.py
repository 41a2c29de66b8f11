"""Training: determinism, the metrics.json contract, reuse of finished seeds, early stopping."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from jetxai.errors import InputError
from jetxai.models import load, prepare_inputs
from jetxai.train import TrainConfig, load_samples, train
from jetxai.train.loop import Batches, fit

FAST = {"epochs": 2, "batch_size": 16, "n_constituents": 16, "image_bins": 16}


@pytest.fixture
def datasets(top_dataset: Path, qcd_dataset: Path) -> list[Path]:
    return [top_dataset, qcd_dataset]


def _weights(directory: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(directory / "model.safetensors"))


def test_metrics_contract_and_checkpoints(datasets: list[Path], tmp_path: Path) -> None:
    config = TrainConfig(model="pfn", xaug=["mass", "tau32"], seeds=2, **FAST)
    metrics = train(config, datasets, tmp_path, progress=False)
    stored = json.loads((tmp_path / "metrics.json").read_text())
    assert stored == json.loads(json.dumps(metrics))
    assert set(stored["auc"]) == {"mean", "std", "values", "stat", "total"}
    for name in ("rejection_0.3", "rejection_0.5"):
        assert set(stored[name]) == {
            "mean", "std", "values", "stat", "total", "passing", "is_lower_bound"
        }  # fmt: skip
    for name in ("auc", "rejection_0.3", "rejection_0.5"):
        assert len(stored[name]["values"]) == 2
        assert stored[name]["mean"] == pytest.approx(np.mean(stored[name]["values"]))
    assert stored["data"]["signal"] == ["top"]
    assert [s["seed"] for s in stored["per_seed"]] == [0, 1]
    assert len(stored["per_seed"][0]["roc"]["signal_efficiency"]) > 2
    # a checkpoint per seed, which reproduces that seed's test AUC
    from jetxai.evaluate import auc

    samples = load_samples(datasets)
    model = load(tmp_path / "seed-1")
    inputs, additional = prepare_inputs(model, samples.jets[samples.test])
    with torch.no_grad():
        scores = model(*inputs, *additional).numpy()
    assert auc(scores, samples.target[samples.test]) == pytest.approx(
        stored["auc"]["values"][1], abs=1e-6
    )


def test_same_seed_same_weights_and_reuse(datasets: list[Path], tmp_path: Path) -> None:
    config = TrainConfig(model="dnn", xaug=["mass", "tau32", "d2"], seeds=1, first_seed=5, **FAST)
    train(config, datasets, tmp_path / "a", progress=False)
    train(config, datasets, tmp_path / "b", progress=False)
    a, b = _weights(tmp_path / "a" / "seed-5"), _weights(tmp_path / "b" / "seed-5")
    assert all(torch.equal(a[k], b[k]) for k in a)
    other = TrainConfig(model="dnn", xaug=["mass", "tau32", "d2"], seeds=1, first_seed=6, **FAST)
    train(other, datasets, tmp_path / "c", progress=False)
    c = _weights(tmp_path / "c" / "seed-6")
    assert not all(torch.equal(a[k], c[k]) for k in a)
    # a re-run with the same config reuses the finished seed instead of retraining
    history = tmp_path / "a" / "seed-5" / "history.json"
    before = history.stat().st_mtime_ns
    train(config, datasets, tmp_path / "a", progress=False)
    assert history.stat().st_mtime_ns == before


def test_weights_of_another_run_are_never_reused(datasets: list[Path], tmp_path: Path) -> None:
    # run A finishes; run B (another config, same directory) saves its weights and crashes
    # before its history.json: a re-run of A must retrain, not pair B's weights with A's history
    config_a = TrainConfig(model="dnn", xaug=["mass", "tau32"], seeds=1, **FAST)
    config_b = TrainConfig(model="dnn", xaug=["mass", "tau32"], seeds=1, learning_rate=0.05, **FAST)
    train(config_a, datasets, tmp_path / "a", progress=False)
    train(config_b, datasets, tmp_path / "b", progress=False)
    import shutil

    shutil.copy(tmp_path / "b" / "seed-0" / "model.safetensors", tmp_path / "a" / "seed-0")
    shutil.copy(tmp_path / "b" / "seed-0" / "model.json", tmp_path / "a" / "seed-0")
    history = tmp_path / "a" / "seed-0" / "history.json"
    before = history.stat().st_mtime_ns
    train(config_a, datasets, tmp_path / "a", progress=False)
    assert history.stat().st_mtime_ns != before  # retrained
    train(config_a, datasets, tmp_path / "fresh", progress=False)
    a, fresh = _weights(tmp_path / "a" / "seed-0"), _weights(tmp_path / "fresh" / "seed-0")
    assert all(torch.equal(a[k], fresh[k]) for k in a)


@pytest.mark.parametrize("name", ["cnn", "efn", "gru"])
def test_other_models_train(datasets: list[Path], tmp_path: Path, name: str) -> None:
    config = TrainConfig(model=name, xaug=["mass"], seeds=1, **FAST)
    metrics = train(config, datasets, tmp_path, progress=False)
    assert 0.0 <= metrics["auc"]["mean"] <= 1.0


def test_early_stopping_keeps_the_best_epoch() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Flatten(0))
    x = torch.randn(32, 2)
    target = (x[:, 0] > 0).float()
    batches = Batches((x,), (), target, torch.ones(32))
    # with a zero learning rate the validation loss never improves after the first epoch
    history = fit(
        model,
        batches,
        batches,
        seed=0,
        epochs=20,
        batch_size=8,
        learning_rate=0.0,
        patience=2,
        device=torch.device("cpu"),
        progress=False,
    )  # type: ignore[arg-type]
    assert len(history.val_loss) == 3
    assert history.best_epoch == 0


def test_samples_signal_definition_and_errors(datasets: list[Path], top_dataset: Path) -> None:
    samples = load_samples(datasets)
    assert samples.provenance["signal"] == ["top"]
    assert samples.target.sum() == 24
    assert len(samples.train) + len(samples.val) + len(samples.test) == 48
    assert set(samples.train).isdisjoint(samples.test)
    flipped = load_samples(datasets, signal=["qcd"])
    np.testing.assert_array_equal(flipped.target, 1 - samples.target)
    with pytest.raises(InputError, match="need both signal and background"):
        load_samples([top_dataset])
    with pytest.raises(InputError, match="not in the data"):
        load_samples(datasets, signal=["higgs"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"model": "bdt"}, "unknown model"),
        ({"model": "pfn", "xaug": ["tau99"]}, "unknown XAUG"),
        ({"model": "pfn", "seeds": 0}, "seeds must be a positive integer"),
        ({"model": "pfn", "val_fraction": 0.6, "test_fraction": 0.5}, "sum below 1"),
        ({"model": "pfn", "colour": "red"}, "unknown training option"),
    ],
)
def test_bad_config(options: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InputError, match=message):
        TrainConfig.from_dict(options)
