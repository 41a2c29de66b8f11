"""The studies' shared fixture: a trained XAUG dnn on small top and QCD samples."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jetxai.features import add_xaug
from jetxai.train import TrainConfig, train


@pytest.fixture(scope="session")
def run(top_dataset: Path, qcd_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("explain")
    for name, source in (("top", top_dataset), ("qcd", qcd_dataset)):
        shutil.copytree(source, root / name)
        add_xaug(root / name, ["mass", "tau32"], progress=False)
    config = TrainConfig(model="dnn", xaug=["mass", "tau32"], seeds=1, epochs=1, batch_size=16)
    train(config, [root / "top", root / "qcd"], root / "run", progress=False)
    return root
