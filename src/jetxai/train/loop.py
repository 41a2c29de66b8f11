"""Training one network: seeded shuffling, early stopping, best weights, resumable epochs.

:func:`fit` trains on any :class:`~jetxai.train.stream.BatchSource` (streamed blocks or
tensors in memory), on one process or as one of several (DistributedDataParallel, see
:mod:`jetxai.train.distributed`): the loss of a batch is its weighted binary cross-entropy
summed over the process's share and divided by the *global* batch size, so the averaged
gradient equals one process's on the whole batch. With a :class:`Checkpointing`, the state is
saved every ``every_batches`` batches and at each epoch's end, and a re-run resumes from it.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from tqdm.auto import tqdm

from jetxai.models.taggers import Tagger
from jetxai.train import distributed
from jetxai.train.resume import Position, clear_progress, load_progress, save_progress
from jetxai.train.stream import Batch, Batches, BatchSource, prefetch

__all__ = ["Batches", "Checkpointing", "History", "fit", "predict"]

PRECISIONS = ("fp32", "bf16")


@dataclass
class History:
    """Per-epoch losses and the epoch whose weights were kept."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = -1
    seconds: float = 0.0
    jets_per_second: float = 0.0
    resumed_at: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.__dict__)


@dataclass
class Checkpointing:
    """Where and how often :func:`fit` saves its state (``stamp``: the run's identity)."""

    directory: Path
    stamp: str
    every_batches: int = 1000


@contextmanager
def deterministic() -> Iterator[None]:
    """Deterministic kernels for the duration (restored after)."""
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)


def _autocast(device: torch.device, precision: str) -> AbstractContextManager[Any]:
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return nullcontext()


def _on(
    batch: Batch, device: torch.device
) -> tuple[tuple[torch.Tensor, ...], torch.Tensor, torch.Tensor]:
    move = device.type != "cpu"
    args = tuple(t.to(device, non_blocking=True) for t in batch.args) if move else batch.args
    target = batch.target.to(device) if move else batch.target
    weight = batch.weight.to(device) if move else batch.weight
    return args, target, weight


def predict(
    model: Tagger,
    source: BatchSource,
    device: torch.device,
    batch_size: int = 4096,
    precision: str = "fp32",
) -> npt.NDArray[np.float64]:
    """Logits of ``model`` for every jet of ``source``, in its stored order."""
    model.eval()
    out = []
    with torch.no_grad():
        for batch in prefetch(source.batches(batch_size)):
            args, _, _ = _on(batch, device)
            with _autocast(device, precision):
                out.append(model(*args).double().cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0)


def _weighted_loss(
    model: Tagger, source: BatchSource, device: torch.device, batch_size: int, precision: str
) -> float:
    """The weighted mean loss over ``source`` (each process sums its share)."""
    model.eval()
    total = 0.0
    with torch.no_grad():
        for batch in prefetch(source.batches(batch_size)):
            args, target, weight = _on(batch, device)
            with _autocast(device, precision):
                logits = model(*args)
            total += float(
                torch.nn.functional.binary_cross_entropy_with_logits(
                    logits.float(), target, weight=weight, reduction="sum"
                )
            )
    return distributed.all_sum([total])[0] / source.total_weight


def fit(
    model: Tagger,
    train: BatchSource,
    val: BatchSource,
    seed: int,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    patience: int,
    device: torch.device,
    progress: bool = True,
    checkpointing: Checkpointing | None = None,
    precision: str = "fp32",
) -> History:
    """Train ``model`` in place; it ends with the weights of the best validation epoch."""
    world = distributed.current()
    model.to(device)
    net = distributed.wrap(model, device)
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(optimiser, factor=0.5, patience=2)
    position, best_state = Position(), None
    restored = (
        load_progress(checkpointing.directory, checkpointing.stamp, model, optimiser, schedule)
        if checkpointing
        else None
    )
    if restored is not None:
        position, best_state = restored
        if not world.is_main:  # the running loss of the epoch is kept on the first process
            position.running = 0.0
    history = History(**position.history) if position.history else History()
    if restored is not None:
        history.resumed_at.append(position.token)

    def save(at: Position) -> None:
        if checkpointing is None:
            return
        if world.is_main:
            save_progress(
                checkpointing.directory, checkpointing.stamp, model, optimiser, schedule,
                best_state, at,
            )  # fmt: skip
        distributed.barrier()

    began = start = time.perf_counter()
    trained = 0
    pin = device.type == "cuda"
    kernels = deterministic() if device.type == "cpu" else nullcontext()
    with kernels:
        while position.epoch < epochs and position.waited < patience:
            epoch, running = position.epoch, position.running
            net.train()
            bar = tqdm(
                total=train.n_jets,
                initial=min(position.batch * batch_size, train.n_jets),
                desc=f"seed {seed} epoch {epoch + 1}/{epochs}",
                unit="jet",
                unit_scale=True,
                disable=not (progress and world.is_main),
                leave=False,
            )
            batches = prefetch(train.batches(batch_size, epoch, seed, position.batch), pin=pin)
            for number, batch in enumerate(batches, start=position.batch + 1):
                args, target, weight = _on(batch, device)
                with _autocast(device, precision):
                    logits = net(*args)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits.float(), target, weight=weight, reduction="sum"
                )
                optimiser.zero_grad()
                (loss * (world.size / batch.global_size)).backward()
                optimiser.step()
                running += float(loss.detach())
                trained += batch.global_size
                bar.update(batch.global_size)
                bar.set_postfix(loss=f"{running * world.size / max(bar.n, 1):.4f}")
                if checkpointing and number % checkpointing.every_batches == 0:
                    summed = distributed.all_sum([running])[0]
                    save(Position(epoch, number, summed, position.best, position.waited,
                                  history.to_dict()))  # fmt: skip
                    running = summed if world.is_main else 0.0
            bar.close()
            history.train_loss.append(distributed.all_sum([running])[0] / train.total_weight)
            history.val_loss.append(_weighted_loss(model, val, device, 4 * batch_size, precision))
            schedule.step(history.val_loss[-1])
            best, waited = position.best, position.waited
            if history.val_loss[-1] < best:
                best, waited = history.val_loss[-1], 0
                best_state = copy.deepcopy(model.state_dict())
                history.best_epoch = epoch
            else:
                waited += 1
            history.seconds += time.perf_counter() - start
            start = time.perf_counter()
            position = Position(epoch + 1, 0, 0.0, best, waited, history.to_dict())
            save(position)
    history.seconds += time.perf_counter() - start
    elapsed = time.perf_counter() - began
    history.jets_per_second = trained / elapsed if elapsed > 0 else 0.0
    if best_state is not None:
        model.load_state_dict(best_state)
    if checkpointing and world.is_main:
        clear_progress(checkpointing.directory)
    return history
