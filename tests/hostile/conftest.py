"""Shared pieces of the hostile suite: the CLI run in-process, and small real inputs to damage."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from jetxai.cli.main import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """(exit code, stderr) of ``jetxai argv`` run in this process; any exception that escapes
    the CLI (a traceback) fails the test."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def assert_clean_refusal(code: int, err: str, phrase: str = "") -> None:
    """Exit 2, one line of error (progress bars aside), no traceback, the phrase named."""
    lines = [line for line in err.strip().splitlines() if "error" in line]
    assert code == 2, err
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    assert phrase.lower() in lines[0].lower(), lines[0]


@pytest.fixture(scope="session")
def trained_dnn(
    top_dataset: Path, qcd_dataset: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    from jetxai.features import add_xaug
    from jetxai.train import TrainConfig, train

    root = tmp_path_factory.mktemp("hostile")
    datasets = []
    for name, source in (("top", top_dataset), ("qcd", qcd_dataset)):
        copy = root / name
        shutil.copytree(source, copy)
        add_xaug(copy, ["mass", "tau32"], progress=False)
        datasets.append(copy)
    config = TrainConfig(model="dnn", xaug=["mass", "tau32"], seeds=1, epochs=1, batch_size=16)
    train(config, datasets, root / "run", progress=False)
    return root


@pytest.fixture(scope="session")
def hostile_study(
    top_dataset: Path, qcd_dataset: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A quick demo study whose every string on the page carries a script payload."""
    from ._payloads import make_hostile_study

    return make_hostile_study(top_dataset, qcd_dataset, tmp_path_factory.mktemp("payloads"))


Damage = Callable[[Path], object]
