"""Reduced-feature retraining and the orderings it compares."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jetxai.train import (
    TrainConfig,
    auc_ordering,
    random_ordering,
    reduced_feature_curve,
    smallest_k,
)


def test_orderings() -> None:
    target = np.array([0, 0, 1, 1])
    values = {
        "weak": np.array([0.0, 1.0, 0.0, 1.0]),
        "strong": np.array([0.0, 0.1, 0.9, 1.0]),
        "inverted": np.array([1.0, 0.9, 0.2, 0.0]),
    }
    assert auc_ordering(values, target)[0] in ("strong", "inverted")
    assert auc_ordering(values, target)[-1] == "weak"
    assert sorted(random_ordering(list(values), seed=3)) == sorted(values)
    assert random_ordering(list(values), seed=3) == random_ordering(list(values), seed=3)


def test_curve_and_threshold(top_dataset: Path, qcd_dataset: Path, tmp_path: Path) -> None:
    config = TrainConfig(model="dnn", xaug=["mass"], seeds=1, epochs=2, batch_size=16)
    curve = reduced_feature_curve(
        config,
        [top_dataset, qcd_dataset],
        ["mass", "tau32", "d2"],
        [1, 3],
        tmp_path,
        progress=False,
    )
    assert [p["k"] for p in curve] == [1, 3]
    assert curve[1]["xaug"] == ["mass", "tau32", "d2"]
    fake = [{"k": 1, "rejection_0.5": {"mean": 5.0}}, {"k": 2, "rejection_0.5": {"mean": 9.5}}]
    assert smallest_k(fake, 10.0, 0.9) == 2
    assert smallest_k(fake, 10.0, 0.99) is None
