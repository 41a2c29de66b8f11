"""``jetxai train`` and ``jetxai features`` as real processes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from .test_generate_cli import jetxai, train_small


def test_train_from_flags_and_yaml(top_dataset: Path, qcd_dataset: Path, tmp_path: Path) -> None:
    config = tmp_path / "train.yaml"
    config.write_text(
        "model: dnn\nxaug: [mass, tau32]\nepochs: 2\nseeds: 2\n"
        f"data: [{top_dataset}, {qcd_dataset}]\n"
    )
    result = jetxai(
        "train",
        "--config",
        str(config),
        "--batch-size",
        "8",
        "--out",
        str(tmp_path / "run"),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert "dnn on 2 XAUG variables: AUC" in result.stdout
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["config"]["batch_size"] == 8
    assert len(metrics["auc"]["values"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "dnn", "--xaug", "tau99"], "unknown XAUG variable"),
        (["--model", "dnn"], "needs XAUG"),
        (["--model", "pfn", "--seeds", "0"], "--seeds: must be between 1 and 1000"),
    ],
)
def test_train_bad_input(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = jetxai(
        "train",
        "--data",
        str(top_dataset),
        "--data",
        str(qcd_dataset),
        *args,
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


def test_train_without_data_and_with_bad_yaml(tmp_path: Path) -> None:
    result = jetxai("train", "--model", "pfn", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "--data" in result.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    result = jetxai("train", "--config", str(bad), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "not valid YAML" in result.stderr


def test_features_cli(top_dataset: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(top_dataset, tmp_path / "d")
    result = jetxai("features", "--data", str(tmp_path / "d"), "--xaug", "mass,d2", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "2 XAUG columns" in result.stdout


def test_explain_cli_writes_relevances_and_ranking(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    run = train_small(
        [top_dataset, qcd_dataset],
        tmp_path / "run",
        "pfn",
        "mass,tau32",
        2,
        "--n-constituents",
        "12",
    )
    result = jetxai(
        "explain",
        "--model",
        str(run),
        "--data",
        str(top_dataset),
        "--data",
        str(qcd_dataset),
        "--out",
        str(tmp_path / "explain"),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    ranking = json.loads((tmp_path / "explain" / "ranking.json").read_text())
    assert sorted(ranking["ensemble_ranking"]["order"]) == ["mass", "tau32"]
    assert 0.0 <= ranking["xaug_share"]["all"]["mean"] <= 1.0
    table = pq.read_table(tmp_path / "explain" / "relevance-seed-1.parquet")
    assert {"rel_xaug_mass", "rel_xaug_tau32", "rel_constituents", "delta"} <= set(
        table.schema.names
    )
    # relevance + delta reproduces the logit for every jet
    rows = table.to_pydict()
    for i in range(table.num_rows):
        total = rows["rel_xaug_mass"][i] + rows["rel_xaug_tau32"][i] + rows["rel_low_level"][i]
        assert total + rows["delta"][i] == pytest.approx(rows["logit"][i], abs=1e-4)
    bad = jetxai(
        "explain",
        "--model",
        str(tmp_path / "none"),
        "--data",
        str(top_dataset),
        "--out",
        str(tmp_path),
    )
    assert bad.returncode == 2
    assert "no checkpoint" in bad.stderr


def test_explain_cli_with_integrated_gradients(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    run = train_small([top_dataset, qcd_dataset], tmp_path / "run", "dnn", "mass,tau32,d2", 1)
    result = jetxai(
        "explain",
        "--model",
        str(run),
        "--data",
        str(top_dataset),
        "--data",
        str(qcd_dataset),
        "--method",
        "ig",
        "--baseline",
        "averaged",
        "--weights",
        "xsec",
        "--k",
        "4",
        "--out",
        str(tmp_path / "ig"),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "ig" / "ranking.json").read_text())
    assert report["method"] == "ig"
    rows = report["seeds"][0]["scorecard"]
    assert {r["method"] for r in rows} >= {"ig", "lrp", "saliency", "smoothgrad"}


def test_explain_cli_image_relevance(top_dataset: Path, qcd_dataset: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    run = train_small(
        [top_dataset, qcd_dataset], tmp_path / "run", "cnn", "mass", 1, "--image-bins", "12"
    )
    result = jetxai(
        "explain",
        "--model",
        str(run),
        "--data",
        str(top_dataset),
        "--data",
        str(qcd_dataset),
        "--out",
        str(tmp_path / "explain"),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    rows = pq.read_table(tmp_path / "explain" / "relevance-seed-0.parquet").to_pydict()
    assert all(len(image) == 12 * 12 for image in rows["rel_image"])
    for image, total in zip(rows["rel_image"], rows["rel_low_level"], strict=True):
        assert sum(image) == pytest.approx(total, rel=1e-9, abs=1e-12)
    report = json.loads((tmp_path / "explain" / "ranking.json").read_text())
    images = report["seeds"][0]["images"]
    assert set(images) == {"signal", "background", "difference", "extent"}
    # the mean images of each class, from the per-jet images of the file
    labels = np.asarray(rows["label"])
    per_jet = np.asarray(rows["rel_image"]).reshape(len(labels), 12, 12)
    for part, cls in (("signal", 1), ("background", 0)):
        np.testing.assert_allclose(
            images[part], per_jet[labels == cls].mean(axis=0), rtol=1e-12, atol=1e-15
        )
