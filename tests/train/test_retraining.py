"""The retraining truth: each XAUG variable dropped and retrained with the same seeds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jetxai.errors import InputError
from jetxai.train import TrainConfig, drop_one_truth


def test_each_variable_is_dropped_and_its_loss_is_the_paired_difference(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    names = ["mass", "tau32", "d2"]
    config = TrainConfig(model="dnn", xaug=names, seeds=2, epochs=2, batch_size=16)
    datasets = [top_dataset, qcd_dataset]
    truth = drop_one_truth(config, datasets, tmp_path, progress=False)
    full = json.loads((tmp_path / "full" / "metrics.json").read_text())
    for name in names:
        dropped = json.loads((tmp_path / f"without-{name}" / "metrics.json").read_text())
        assert dropped["xaug"] == [n for n in names if n != name]  # the same run, one fewer
        assert dropped["config"]["seeds"] == 2
        gain = np.array(full["auc"]["values"]) - np.array(dropped["auc"]["values"])
        auc = truth["importance"][name]["auc"]
        assert auc["mean"] == pytest.approx(gain.mean())
        assert auc["std"] == pytest.approx(gain.std(ddof=1))
        assert auc["stat"] == pytest.approx(np.hypot(full["auc"]["stat"], dropped["auc"]["stat"]))
        error = np.hypot(auc["std"], auc["stat"])
        assert auc["significant"] == (abs(auc["mean"]) > error)
    assert truth["significant"] == sum(truth["importance"][n]["auc"]["significant"] for n in names)
    losses = [truth["importance"][n]["auc"]["mean"] for n in truth["order"]]
    assert losses == sorted(losses, reverse=True)
    assert truth["trainings"] == 3
    # finished trainings are reused: a second call trains nothing
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/metrics.json")}
    assert drop_one_truth(config, datasets, tmp_path, progress=False) == truth
    assert stamps == {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/metrics.json")}
    with pytest.raises(InputError, match="at least two XAUG"):
        drop_one_truth(TrainConfig(model="dnn", xaug=["mass"]), datasets, tmp_path / "x")
