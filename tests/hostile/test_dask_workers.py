"""A Dask worker killed (SIGKILL) in the middle of a run, on a real ``dask scheduler`` with two
``dask worker`` processes on 127.0.0.1: generation and explanation finish on the worker left,
with output identical to a run in one process, and nothing half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jetxai import data

from ..conftest import FAST_WINDOW
from .conftest import run_cli
from .test_explain_chunks import _outputs


class Cluster:
    """A scheduler and two workers without nannies (a killed worker stays dead)."""

    def __init__(self, root: Path) -> None:
        self.file = root / "scheduler.json"
        self.env = {**os.environ, "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "error"}
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": self.env}
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--no-dashboard", "--scheduler-file", str(self.file)],
            **quiet,
        )  # fmt: skip
        worker = [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                  str(self.file), "--nthreads", "1", "--no-nanny", "--no-dashboard"]  # fmt: skip
        self.workers = [subprocess.Popen(worker, **quiet) for _ in range(2)]
        deadline = time.monotonic() + 60
        while not self.file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text())["address"]
        self._wait_for_workers(2)

    def _wait_for_workers(self, count: int) -> None:
        from dask.distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(count, timeout=60)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    started = Cluster(tmp_path)
    try:
        yield started
    finally:
        started.stop()


def _kill_a_worker_when(cluster: Cluster, command: list[str], ready: Callable[[], bool]) -> None:
    """Run ``jetxai command`` on the cluster; SIGKILL one worker once ``ready()``, while the
    run goes on; the run must then finish on the other worker."""
    run = subprocess.Popen(
        [sys.executable, "-m", "jetxai", *command, "--scheduler", cluster.address, "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cluster.env,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not ready() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert run.poll() is None, "the run ended before a worker could be killed"
    cluster.workers[0].send_signal(signal.SIGKILL)
    _, err = run.communicate(timeout=600)
    assert cluster.workers[0].wait(timeout=30) == -signal.SIGKILL
    assert run.returncode == 0, err[-2000:]


def test_generation_finishes_on_the_worker_left(cluster: Cluster, tmp_path: Path) -> None:
    window = [f"--pthat-{k.removeprefix('pthat_')}={v}" for k, v in FAST_WINDOW.items()]
    common = ["generate", "--process", "top", "--n-jets", "40", "--chunk-size", "5"]
    common += ["--batch-size", "10", "--seed", "5", *window]
    reference = tmp_path / "reference"
    subprocess.run(
        [sys.executable, "-m", "jetxai", *common, "--out", str(reference), "--quiet"],
        check=True, timeout=600,
    )  # fmt: skip
    out = tmp_path / "killed"
    _kill_a_worker_when(
        cluster, [*common, "--out", str(out)], lambda: len(list(out.glob("chunks/*.parquet"))) >= 1
    )
    assert data.read(out).to_list() == data.read(reference).to_list()
    assert not list(out.rglob("*.tmp"))


def test_explanation_finishes_on_the_worker_left(
    capsys: pytest.CaptureFixture[str], cluster: Cluster, explained: Path, tmp_path: Path
) -> None:
    common = ["explain", "--model", explained / "run", "--data", explained / "qg"]
    common += ["--method", "ig", "--baseline", "zero", "--n-steps", "256", "--batch-size", "4"]
    reference = tmp_path / "reference"
    code, err = run_cli(capsys, *common, "--out", reference, "--quiet")
    assert code == 0, err
    out = tmp_path / "killed"
    command = [str(a) for a in common] + ["--out", str(out)]
    _kill_a_worker_when(
        cluster, command, lambda: len(list(out.glob("chunks/seed-0/chunk-*.npz"))) >= 1
    )
    assert _outputs(out) == _outputs(reference)  # bit-identical relevances, same ranking
    assert not (out / "chunks").exists()


@pytest.fixture(scope="module")
def explained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PFN trained on 1,200 imported quark/gluon jets: a test split of many chunks."""
    from jetxai.data.imports import import_dataset
    from jetxai.train import TrainConfig, train

    from .test_split import _energyflow_file

    root = tmp_path_factory.mktemp("workers")
    source = _energyflow_file(root / "qg.npz", 1200, 7)
    import_dataset("energyflow-qg", [source], root / "qg", progress=False)
    config = TrainConfig(model="pfn", seeds=1, epochs=1, batch_size=64, n_constituents=8)
    train(config, [root / "qg"], root / "run", progress=False)
    return root
