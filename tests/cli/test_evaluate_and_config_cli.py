"""``jetxai evaluate`` and YAML options for every command, as real processes."""

from __future__ import annotations

import json
from pathlib import Path

from jetxai import data

from .test_generate_cli import jetxai, train_small


def test_evaluate_reproduces_the_training_metrics(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    run = train_small([top_dataset, qcd_dataset], tmp_path / "run", "dnn", "mass,tau32", 2)
    result = jetxai(
        "evaluate",
        "--model",
        str(run),
        "--data",
        str(top_dataset),
        "--data",
        str(qcd_dataset),
        "--out",
        str(tmp_path / "eval"),
    )
    assert result.returncode == 0, result.stderr
    evaluated = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    training = json.loads((run / "metrics.json").read_text())
    assert evaluated["auc"]["values"] == training["auc"]["values"]
    assert evaluated["rejection_0.5"]["values"] == training["rejection_0.5"]["values"]


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
