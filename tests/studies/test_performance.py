"""Re-scoring checkpoints gives what training measured, weights included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jetxai.studies.performance import evaluate_run
from jetxai.train import TrainConfig, train


def test_event_datasets_are_scored_with_their_weights_as_in_training(
    vlq_dataset: Path, ttbar_dataset: Path, tmp_path: Path
) -> None:
    datasets = [vlq_dataset, ttbar_dataset]
    config = TrainConfig(model="dnn", seeds=2, epochs=2, batch_size=64)
    trained = train(config, datasets, tmp_path / "run", progress=False)
    evaluated = evaluate_run(tmp_path / "run", datasets, tmp_path / "eval")
    for name in ("auc", "accuracy", "efficiency_0.01", "rejection_0.5"):
        assert evaluated[name]["values"] == pytest.approx(trained[name]["values"], rel=1e-12)
    written = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert written["auc"] == evaluated["auc"]


def test_the_predictions_file_holds_every_test_jet_with_its_identity_and_score(
    run: Path, tmp_path: Path
) -> None:
    import awkward as ak
    import numpy as np
    import pyarrow.parquet as pq
    import torch

    from jetxai import data
    from jetxai.models import load, prepare_inputs

    from ..cli.test_generate_cli import jetxai

    datasets = [run / "top", run / "qcd"]
    target = tmp_path / "predictions.parquet"
    data_args = [token for d in datasets for token in ("--data", str(d))]
    result = jetxai(
        "evaluate", "--model", str(run / "run"), *data_args, "--predictions", str(target)
    )
    assert result.returncode == 0, result.stderr
    table = pq.read_table(target).to_pydict()
    n = len(table["score"])
    assert n > 10
    assert set(table["seed"]) == {0}
    assert set(table["split"]) == {"test"}
    assert table["test_row"] == list(range(n))
    # the reference: each jet read back by its (dataset, row), scored by the checkpoint here
    model = load(run / "run" / "seed-0")
    jets = {d: data.read(d) for d in map(str, datasets)}
    where = list(zip(table["dataset"], table["dataset_row"], strict=True))
    picked = [jets[d][r] for d, r in where]
    inputs, additional = prepare_inputs(model, ak.Array(picked))
    with torch.no_grad():
        logit = model(*inputs, *additional).double().numpy()
    np.testing.assert_allclose(table["logit"], logit, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(table["score"], 1 / (1 + np.exp(-logit)), rtol=1e-6, atol=1e-6)
    assert table["label"] == [int(p == "top") for p in table["process"]]
    assert table["process"] == [jet.process for jet in picked]
    # its scores give the AUC evaluate reports (pairs ranked right, ties half)
    score, label = np.asarray(table["logit"]), np.asarray(table["label"])
    signal, background = score[label == 1], score[label == 0]
    wins = (signal[:, None] > background[None, :]).mean()
    ties = (signal[:, None] == background[None, :]).mean()
    reported = evaluate_run(run / "run", datasets)["auc"]["mean"]
    assert wins + 0.5 * ties == pytest.approx(reported, abs=1e-9)
