"""``jetxai evaluate`` and YAML options for every command, as real processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jetxai import data

from .test_generate_cli import jetxai, train_small


def test_evaluate_reproduces_the_training_metrics_in_any_data_order(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    # the split follows each jet's identity, so --data qcd --data top evaluates the same test
    # jets as the training's --data top --data qcd (it used to score training jets)
    run = train_small([top_dataset, qcd_dataset], tmp_path / "run", "dnn", "mass,tau32", 2)
    training = json.loads((run / "metrics.json").read_text())
    for name, order in (
        ("same", (top_dataset, qcd_dataset)),
        ("swapped", (qcd_dataset, top_dataset)),
    ):
        out = tmp_path / f"eval-{name}"
        data_args = [arg for root in order for arg in ("--data", str(root))]
        result = jetxai("evaluate", "--model", str(run), *data_args, "--out", str(out))
        assert result.returncode == 0, result.stderr
        evaluated = json.loads((out / "metrics.json").read_text())
        assert evaluated["auc"]["values"] == pytest.approx(training["auc"]["values"], rel=1e-12)
        assert evaluated["rejection_0.5"]["values"] == pytest.approx(
            training["rejection_0.5"]["values"], rel=1e-12
        )


def test_evaluate_refuses_other_or_repeated_data(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    run = train_small([top_dataset, qcd_dataset], tmp_path / "run", "dnn", "mass,tau32", 1)
    twice = jetxai(
        "evaluate",
        "--model",
        str(run),
        "--data",
        str(top_dataset),
        "--data",
        str(top_dataset),
        "--data",
        str(qcd_dataset),
    )
    assert twice.returncode == 2
    assert "the same dataset is given more than once" in twice.stderr
    assert len(twice.stderr.strip().splitlines()) == 1
    missing = jetxai("evaluate", "--model", str(run), "--data", str(top_dataset))
    assert missing.returncode == 2
    assert "pass exactly the datasets it was trained on" in missing.stderr


def test_yaml_options_with_command_line_overrides(tmp_path: Path) -> None:
    config = tmp_path / "generate.yaml"
    config.write_text("process: w\nn_jets: 6\nseed: 3\nquiet: true\n")
    result = jetxai(
        "generate", "--config", str(config), "--n-jets", "4", "--out", str(tmp_path / "w")
    )
    assert result.returncode == 0, result.stderr
    manifest = data.read_manifest(tmp_path / "w")
    assert manifest["jets_kept"] == 4  # the command line wins
    assert manifest["config"]["seed"] == 3  # the file fills in the rest


def test_bad_yaml_options(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("colour: red\n")
    result = jetxai("generate", "--config", str(unknown), "--out", str(tmp_path / "x"))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"jetxai: error: {unknown}: unknown option 'colour' for this command"
    )
    result = jetxai("features", "--config", str(tmp_path / "absent.yaml"), "--data", str(tmp_path))
    assert result.returncode == 2
    assert "cannot read config" in result.stderr
