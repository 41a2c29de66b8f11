"""Shared fixtures: small real datasets generated once per test session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.data.jetclass import write_branches, write_jetclass
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


#: JetClass's impact-parameter branches, which jetxai does not simulate.
IMPACT = ("part_d0val", "part_d0err", "part_dzval", "part_dzerr")


def jetclass_arrays(path: Path) -> dict[str, ak.Array]:
    """Every branch of the JetClass file ``path``, impact parameters added (seeded)."""
    import uproot

    with uproot.open(path) as file:
        arrays = file["tree"].arrays(library="ak")
    branches = {name: arrays[name] for name in arrays.fields}
    generator = np.random.default_rng(7)
    counts = ak.num(branches["part_px"], axis=1)
    for name in IMPACT:
        values = generator.normal(size=int(ak.sum(counts))).astype(np.float32)
        branches[name] = ak.unflatten(np.abs(values) if "err" in name else values, counts)
    return branches


@pytest.fixture(scope="session")
def jetclass_files(
    three_classes: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """``root``: 72 top, W and QCD jets as a JetClass ROOT file, with JetClass's impact
    parameters added as random numbers so weaver's published full config reads them;
    ``parquet``: the same jets."""
    root = tmp_path_factory.mktemp("weaver-files")
    jets = ak.concatenate([data.read(three_classes / n) for n in ("top", "w", "qcd")])
    plain = write_jetclass(root / "plain.root", jets)
    branches = jetclass_arrays(plain)
    write_branches(root / "jetclass.root", branches)
    ak.to_parquet(ak.zip(branches, depth_limit=1), root / "jetclass.parquet")
    return {"root": root / "jetclass.root", "parquet": root / "jetclass.parquet"}


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
