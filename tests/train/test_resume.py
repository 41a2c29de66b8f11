"""Crash-safe training: a run stopped mid-epoch (an exception, or kill -9 from outside)
resumes from its last saved state and ends with the weights of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from jetxai.train import TrainConfig, train
from jetxai.train.loop import Batches, Checkpointing, fit
from jetxai.train.resume import STATE, TENSORS, Position, load_progress, save_progress

FAST = {"batch_size": 4, "n_constituents": 16, "seeds": 1, "patience": 100}


def _weights(directory: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(directory / "model.safetensors"))


def _equal(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


class Crash(Exception):
    pass


def _crash_after(monkeypatch: pytest.MonkeyPatch, steps: int) -> None:
    """Make the optimiser fail at its ``steps``-th step from now (a crash mid-epoch)."""
    real = torch.optim.Adam.step
    calls = {"n": 0}

    def step(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == steps:
            raise Crash
        return real(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", step)


def _toy() -> tuple[torch.nn.Module, Batches]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    model.append(torch.nn.Flatten(0))
    x = torch.randn(40, 3, generator=torch.Generator().manual_seed(1))
    return model, Batches((x,), (), (x[:, 0] > 0).float(), torch.ones(40))


@pytest.mark.parametrize("crash_at", [3, 12, 27])  # mid first epoch, at an epoch end, later
def test_fit_resumes_mid_epoch_to_the_uninterrupted_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_at: int
) -> None:
    options = {"seed": 3, "epochs": 4, "batch_size": 4, "learning_rate": 0.01, "patience": 9}
    cpu = torch.device("cpu")
    model, data = _toy()
    reference = fit(model, data, data, device=cpu, progress=False, **options)  # type: ignore[arg-type]
    expected = {k: v.clone() for k, v in model.state_dict().items()}

    every = Checkpointing(tmp_path, "run-a", every_batches=2)
    model, data = _toy()
    _crash_after(monkeypatch, crash_at)
    with pytest.raises(Crash):
        fit(model, data, data, device=cpu, progress=False, checkpointing=every, **options)  # type: ignore[arg-type]
    monkeypatch.undo()
    assert (tmp_path / STATE).is_file()
    model, data = _toy()  # a new process: fresh model, state from disk
    history = fit(model, data, data, device=cpu, progress=False, checkpointing=every, **options)  # type: ignore[arg-type]
    assert len(history.resumed_at) == 1
    assert history.train_loss == pytest.approx(reference.train_loss, rel=1e-12)
    assert history.val_loss == reference.val_loss
    assert _equal(model.state_dict(), expected)
    assert not (tmp_path / STATE).exists()  # a finished training leaves no checkpoint


def test_a_checkpoint_of_another_run_or_a_torn_pair_is_refused(tmp_path: Path) -> None:
    model, _ = _toy()
    optimiser = torch.optim.Adam(model.parameters())
    schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(optimiser)
    save_progress(tmp_path, "run-a", model, optimiser, schedule, None, Position(2, 5))
    assert load_progress(tmp_path, "run-b", model, optimiser, schedule) is None
    restored = load_progress(tmp_path, "run-a", model, optimiser, schedule)
    assert restored is not None
    assert restored[0].token == "2:5"
    # the tensors of a later save beside the state of an earlier one: a torn pair
    state = (tmp_path / STATE).read_bytes()
    save_progress(tmp_path, "run-a", model, optimiser, schedule, None, Position(3, 0))
    (tmp_path / STATE).write_bytes(state)
    assert load_progress(tmp_path, "run-a", model, optimiser, schedule) is None
    (tmp_path / TENSORS).write_bytes(b"not safetensors")
    assert load_progress(tmp_path, "run-a", model, optimiser, schedule) is None


def test_train_resumes_a_crashed_seed(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    datasets = [top_dataset, qcd_dataset]
    config = TrainConfig(model="dnn", xaug=["mass", "tau32"], epochs=4, **FAST)  # type: ignore[arg-type]
    train(config, datasets, tmp_path / "whole", progress=False)
    _crash_after(monkeypatch, 20)  # in the third epoch (8 batches each)
    with pytest.raises(Crash):
        train(config, datasets, tmp_path / "crashed", progress=False)
    monkeypatch.undo()
    assert not (tmp_path / "crashed" / "seed-0" / "model.safetensors").exists()
    train(config, datasets, tmp_path / "crashed", progress=False)
    history = json.loads((tmp_path / "crashed" / "seed-0" / "history.json").read_text())
    assert history["resumed_at"] == ["2:0"]
    assert _equal(
        _weights(tmp_path / "whole" / "seed-0"), _weights(tmp_path / "crashed" / "seed-0")
    )
    assert not (tmp_path / "crashed" / ".prepared").exists()  # removed once the run is done


def _command(datasets: list[Path], out: Path) -> list[str]:
    data = [token for d in datasets for token in ("--data", str(d))]
    return [
        sys.executable, "-m", "jetxai", "train", *data, "--model", "dnn", "--xaug", "mass,tau32",
        "--seeds", "1", "--epochs", "300", "--patience", "300", "--batch-size", "4",
        "--quiet", "--out", str(out),
    ]  # fmt: skip


def test_kill_9_during_training_then_the_same_command_resumes(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    datasets = [top_dataset, qcd_dataset]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run(_command(datasets, tmp_path / "whole"), check=True, env=env)
    process = subprocess.Popen(_command(datasets, tmp_path / "killed"), env=env)
    state = tmp_path / "killed" / "seed-0" / STATE
    deadline = time.monotonic() + 120
    reached = 0
    while time.monotonic() < deadline and process.poll() is None:
        try:
            reached = json.loads(state.read_text())["position"]["epoch"]
        except (OSError, ValueError, KeyError):
            reached = 0
        if reached >= 5:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    assert process.wait(timeout=60) == -signal.SIGKILL, "training ended before it was killed"
    subprocess.run(_command(datasets, tmp_path / "killed"), check=True, env=env)
    history = json.loads((tmp_path / "killed" / "seed-0" / "history.json").read_text())
    (resumed,) = history["resumed_at"]
    assert int(resumed.split(":")[0]) >= 5
    whole, killed = (
        _weights(tmp_path / "whole" / "seed-0"),
        _weights(tmp_path / "killed" / "seed-0"),
    )
    assert _equal(whole, killed)
