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
