"""Several training processes (DistributedDataParallel, gloo on CPU): the weights of one
process with the same global batch, to float32 round-off; torchrun runs the same command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import torch

from jetxai.train import TrainConfig, train

FAST = {"epochs": 3, "batch_size": 8, "n_constituents": 16, "seeds": 1, "patience": 10}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _weights(directory: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(directory / "model.safetensors"))


def test_two_processes_train_the_weights_of_one(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    datasets = [top_dataset, qcd_dataset]
    one = TrainConfig(model="pfn", xaug=["mass"], **FAST)  # type: ignore[arg-type]
    two = TrainConfig(model="pfn", xaug=["mass"], nproc=2, **FAST)  # type: ignore[arg-type]
    single = train(one, datasets, tmp_path / "one", progress=False)
    double = train(two, datasets, tmp_path / "two", progress=False)
    a, b = _weights(tmp_path / "one" / "seed-0"), _weights(tmp_path / "two" / "seed-0")
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(b[name], a[name], rtol=1e-5, atol=1e-6)
    assert double["epochs_run"] == single["epochs_run"]
    assert abs(double["auc"]["mean"] - single["auc"]["mean"]) < 1e-6

    # the standard launcher runs the same training: the same two processes, the same weights
    data = [token for d in datasets for token in ("--data", str(d))]
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
        "--master-addr", "127.0.0.1", "--master-port", str(_free_port()),
        "-m", "jetxai", "train", *data, "--model", "pfn", "--xaug", "mass", "--seeds", "1",
        "--epochs", "3", "--patience", "10", "--batch-size", "8", "--n-constituents", "16",
        "--quiet",
        "--out", str(tmp_path / "torchrun"),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GLOO_SOCKET_IFNAME": "lo"}
    subprocess.run(command, check=True, env=env, capture_output=True, timeout=120)
    c = _weights(tmp_path / "torchrun" / "seed-0")
    assert all(torch.equal(b[name], c[name]) for name in b)
