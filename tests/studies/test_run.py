"""A trained run as a Python object, and the README's Python example run as written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

import jetxai
from jetxai import data
from jetxai.studies import open_run
from jetxai.train import TrainConfig, train

README = Path(__file__).parents[2] / "README.md"


def test_a_run_hands_back_its_models_test_split_predictions_and_explanations(
    run: Path, tmp_path: Path
) -> None:
    from jetxai.studies.checkpoints import training_samples

    opened = open_run(run / "run")
    assert opened.seeds == [0]
    assert opened.config["model"] == "dnn"
    assert opened.datasets == [run / "top", run / "qcd"]
    # the test split, in test order, and never a training jet
    samples = training_samples(opened.model(), opened.datasets)
    jets = opened.test_jets()
    every = ak.concatenate([data.read(d) for d in opened.datasets])
    assert ak.to_list(jets.jet_pt) == ak.to_list(every[samples.test].jet_pt)
    scores = opened.predictions()
    assert len(scores) == len(samples.test)
    assert scores["test_row"].tolist() == list(range(len(samples.test)))
    relevance = opened.explain(method="lrp", max_jets=10, progress=False)
    assert len(relevance) == 10
    assert set(relevance["seed"]) == {0}
    assert {"rel_xaug_mass", "rel_xaug_tau32", "test_row", "label"} <= set(relevance.columns)
    # the LRP relevances with the same rows as the predictions' test_row
    merged = relevance.merge(scores, on=["seed", "test_row"], suffixes=("", "_p"))
    assert len(merged) == 10
    np.testing.assert_allclose(merged["logit"], merged["logit_p"], rtol=1e-5, atol=1e-5)
    with pytest.raises(jetxai.InputError, match="no seed 7"):
        opened.model(7)


def test_the_readme_python_example_runs_as_written(
    run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    block = re.search(
        r"<!-- python-example -->\n```python\n(.*?)```\n<!-- end python-example -->",
        README.read_text(),
        re.DOTALL,
    )
    assert block is not None, "the README's Python example is marked for this test"
    # the README's layout: data/top and data/qcd with XAUG columns, a dnn trained on them
    for name in ("top", "qcd"):
        shutil.copytree(run / name, tmp_path / "data" / name)
    monkeypatch.chdir(tmp_path)
    config = TrainConfig(model="dnn", xaug=["mass", "tau32"], seeds=2, epochs=1, batch_size=16)
    train(config, [Path("data/top"), Path("data/qcd")], Path("runs/dnn"), progress=False)
    exec(compile(block.group(1), "README.md", "exec"), {})
