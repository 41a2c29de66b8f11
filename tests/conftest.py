"""Shared fixtures: small real datasets generated once per test session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jetxai.generate import GeneratorConfig, generate
from jetxai.generate.events import EventConfig

#: The tests' generator p̂_T window: narrow, so small samples are quick (the processes' default
#: windows cost 6–7× the events and are for physics, not for tests of behaviour).
FAST_WINDOW = {"pthat_min": 470.0, "pthat_max": 750.0}

#: A small top sample: three chunks, so resume and parallel tests have something to split.
SMALL_TOP = GeneratorConfig(
    process="top", n_jets=24, seed=11, chunk_size=8, batch_size=20, **FAST_WINDOW
)


@pytest.fixture(scope="session")
def top_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("top")
    generate(SMALL_TOP, root, progress=False)
    return root


#: A small QCD sample to pair with SMALL_TOP for training tests.
SMALL_QCD = GeneratorConfig(
    process="qcd", n_jets=24, seed=12, chunk_size=24, batch_size=20, **FAST_WINDOW
)


@pytest.fixture(scope="session")
def qcd_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("qcd")
    generate(SMALL_QCD, root, progress=False)
    return root


#: Small event-level samples: the signal in two chunks (resume), and one background.
SMALL_VLQ = EventConfig(process="vlq", n_events=30, seed=21, chunk_size=15, batch_size=50)
SMALL_TTBAR = EventConfig(process="ttbar", n_events=30, seed=22, chunk_size=30, batch_size=50)


@pytest.fixture(scope="session")
def vlq_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vlq")
    generate(SMALL_VLQ, root, progress=False)
    return root


@pytest.fixture(scope="session")
def ttbar_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ttbar")
    generate(SMALL_TTBAR, root, progress=False)
    return root


@pytest.fixture(scope="session")
def three_classes(
    top_dataset: Path, qcd_dataset: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Copies of the top and QCD samples and 24 W jets, each with mass and tau32 columns: data
    for multi-class taggers."""
    import shutil

    from jetxai.features import add_xaug

    root = tmp_path_factory.mktemp("classes")
    shutil.copytree(top_dataset, root / "top")
    shutil.copytree(qcd_dataset, root / "qcd")
    generate(GeneratorConfig(process="w", n_jets=24, seed=13, chunk_size=24), root / "w",
             progress=False)  # fmt: skip
    for name in ("top", "qcd", "w"):
        add_xaug(root / name, ["mass", "tau32"], progress=False)
    return root


@pytest.fixture
def dask_scheduler(tmp_path: Path) -> Iterator[str]:
    """A real ``dask scheduler`` and one ``dask worker`` process on 127.0.0.1."""
    scheduler_file = tmp_path / "scheduler.json"
    common = ["--no-dashboard"]
    env = {**os.environ, "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "error"}
    scheduler = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--scheduler-file",
            str(scheduler_file),
            *common,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_worker",
            "--scheduler-file",
            str(scheduler_file),
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            *common,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        yield json.loads(scheduler_file.read_text())["address"]
    finally:
        for process in (worker, scheduler):
            process.terminate()
            process.wait(timeout=30)
