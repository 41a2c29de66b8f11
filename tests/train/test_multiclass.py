"""Multi-class taggers: one softmax logit per chosen class, for every registered model with its
XAUG branch; the softmax cross-entropy against a hand computation, class-balanced weights,
the split leaving other processes out, the checkpoint recording its classes, evaluation
reproducing training's numbers, and bad choices refused in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from jetxai.errors import InputError
from jetxai.models import load, prepare_inputs
from jetxai.models.registry import MODELS
from jetxai.train import TrainConfig, train
from jetxai.train.loop import loss_sum
from jetxai.train.samples import load_samples

from ..cli.test_generate_cli import jetxai

XAUG = ["mass", "tau32"]


def _data(root: Path) -> list[Path]:
    return [root / "top", root / "qcd", root / "w"]


@pytest.fixture
def three(three_classes: Path) -> Path:
    return three_classes


def test_the_loss_is_the_weighted_softmax_cross_entropy() -> None:
    generator = np.random.default_rng(1)
    logits = generator.normal(size=(7, 3))
    target = generator.integers(0, 3, 7)
    weight = generator.uniform(0.5, 2.0, 7)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -np.sum(weight * log_p[np.arange(7), target])
    got = loss_sum(torch.tensor(logits), torch.tensor(target, dtype=torch.float32),
                   torch.tensor(weight))  # fmt: skip
    assert float(got) == pytest.approx(expected, rel=1e-6)  # float32 inside


def test_samples_of_chosen_classes(three: Path) -> None:
    samples = load_samples(_data(three), classes=["all"])
    assert samples.provenance["classes"] == ["qcd", "top", "w"]  # the background first
    only = load_samples(_data(three), classes=["top", "w"])
    kept = np.concatenate([only.train, only.val, only.test])
    assert set(only.processes[kept]) == {"top", "w"}  # QCD jets are in no split
    assert np.array_equal(only.target[kept], (only.processes[kept] == "w").astype(int))
    weight = samples.balanced_weight()
    totals = [weight[samples.target == k].sum() for k in range(3)]
    np.testing.assert_allclose(totals, [len(weight) / 3] * 3)
    # the test jets of the chosen classes are the test jets the full split gives them
    full = load_samples(_data(three), classes=["all"])
    chosen = full.test[np.isin(full.processes[full.test], ["top", "w"])]
    assert np.array_equal(np.sort(only.test), np.sort(chosen))
    with pytest.raises(InputError, match="not in the data"):
        load_samples(_data(three), classes=["top", "higgs"])


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_trains_a_logit_per_class(name: str, three: Path, tmp_path: Path) -> None:
    config = TrainConfig(model=name, xaug=XAUG, classes=["all"], seeds=1, epochs=1,
                         batch_size=16, n_constituents=16)  # fmt: skip
    metrics = train(config, _data(three), tmp_path / "run", progress=False)
    assert metrics["classes"] == ["qcd", "top", "w"]
    assert metrics["background"] == "qcd"
    assert 0.0 <= metrics["accuracy"]["mean"] <= 1.0
    assert set(metrics["per_class"]) == {"qcd", "top", "w"}
    assert "rejection" not in metrics["per_class"]["qcd"]
    assert metrics["per_class"]["top"]["signal_efficiency"] == 0.5
    model = load(tmp_path / "run" / "seed-0")
    assert model.spec.classes == ["qcd", "top", "w"]
    from jetxai import data

    inputs, additional = prepare_inputs(model, data.read(three / "w")[:5])
    with torch.no_grad():
        assert model(*inputs, *additional).shape == (5, 3)


def test_multi_class_runs_are_deterministic_and_evaluate_reproduces_them(
    three: Path, tmp_path: Path
) -> None:
    from safetensors.torch import load_file

    from jetxai.studies.performance import evaluate_run

    config = TrainConfig(model="pfn", xaug=XAUG, classes=["qcd", "top", "w"], seeds=2,
                         epochs=2, batch_size=16, n_constituents=16)  # fmt: skip
    first = train(config, _data(three), tmp_path / "a", progress=False)
    train(config, _data(three), tmp_path / "b", progress=False)
    for seed in (0, 1):
        a = load_file(str(tmp_path / "a" / f"seed-{seed}" / "model.safetensors"))
        b = load_file(str(tmp_path / "b" / f"seed-{seed}" / "model.safetensors"))
        assert all(torch.equal(a[k], b[k]) for k in a)
    again = evaluate_run(tmp_path / "a", _data(three))
    for name in ("accuracy", "auc"):
        assert again[name]["values"] == pytest.approx(first[name]["values"], abs=1e-9)
    top = again["per_class"]["top"]["rejection"]["values"]
    assert top == pytest.approx(first["per_class"]["top"]["rejection"]["values"], rel=1e-9)


def test_the_cli_trains_evaluates_and_refuses_what_it_cannot(three: Path, tmp_path: Path) -> None:
    data_args = [a for root in _data(three) for a in ("--data", str(root))]
    run = str(tmp_path / "run")
    options = ["--xaug", ",".join(XAUG), "--classes", "qcd,top,w", "--seeds", "1", "--epochs"]
    done = jetxai("train", *data_args, "--model", "dnn", *options, "1", "--out", run, "--quiet")
    assert done.returncode == 0, done.stderr
    assert "dnn on 3 classes: accuracy" in done.stdout
    predictions = str(tmp_path / "p.parquet")
    done = jetxai("evaluate", "--model", run, *data_args, "--predictions", predictions)
    assert done.returncode == 0, done.stderr
    assert "1/eps_B against qcd: top" in done.stdout
    import pyarrow.parquet as pq

    columns = pq.read_schema(predictions).names
    assert {"logit_qcd", "logit_top", "logit_w", "score_w", "label"} <= set(columns)
    out = ["--out", str(tmp_path / "r")]
    refused = [
        ("explain", "--model", run, *data_args, "--target", "higgs", *out),
        ("explain", "--model", run, *data_args, "--target", "top", "--contrast", "top,w", *out),
        ("train", *data_args, "--model", "pfn", "--classes", "qcd,top", "--signal", "top", *out),
        ("train", *data_args, "--model", "pfn", "--classes", "top", *out),
    ]
    for argv in refused:
        done = jetxai(*argv)
        assert done.returncode == 2, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
