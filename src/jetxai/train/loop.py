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

from jetxai._quiet import bar_disabled
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


def loss_sum(logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """The weighted sum of the loss: binary cross-entropy on one logit per jet, the softmax
    cross-entropy on (jets, classes) logits of a multi-class tagger (target: class index)."""
    if logits.dim() == 2:
        each = torch.nn.functional.cross_entropy(logits.float(), target.long(), reduction="none")
        return (each * weight).sum()
    return torch.nn.functional.binary_cross_entropy_with_logits(
        logits.float(), target, weight=weight, reduction="sum"
    )


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
            total += float(loss_sum(logits, target, weight))
    return distributed.all_sum([total])[0] / source.total_weight


class _Run:
    """One training run's state: the model (wrapped for DDP where several processes train),
    optimiser, schedule, the position in the run and the best weights, with saving and
    restoring of progress."""

    def __init__(
        self,
        model: Tagger,
        device: torch.device,
        learning_rate: float,
        checkpointing: Checkpointing | None,
        precision: str,
    ) -> None:
        self.world = distributed.current()
        self.model, self.device, self.precision = model.to(device), device, precision
        self.net = distributed.wrap(model, device)
        self.optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
        self.schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(
            self.optimiser, factor=0.5, patience=2
        )
        self.checkpointing = checkpointing
        self.position = Position()
        self.best_state: dict[str, Any] | None = None
        self.history = History()
        self.trained = 0  # jets trained on in this process's run, all processes together

    def restore(self) -> None:
        """Continue from the saved progress, where there is any."""
        c = self.checkpointing
        if c is None:
            return
        restored = load_progress(c.directory, c.stamp, self.model, self.optimiser, self.schedule)
        if restored is None:
            return
        self.position, self.best_state = restored
        if not self.world.is_main:  # the running loss of the epoch is kept on the first process
            self.position.running = 0.0
        if self.position.history:
            self.history = History(**self.position.history)
        self.history.resumed_at.append(self.position.token)

    def save(self, at: Position) -> None:
        """Save the progress at ``at`` (on the first process; the others wait for it)."""
        c = self.checkpointing
        if c is None:
            return
        if self.world.is_main:
            save_progress(
                c.directory, c.stamp, self.model, self.optimiser, self.schedule,
                self.best_state, at,
            )  # fmt: skip
        distributed.barrier()

    def step(self, batch: Batch) -> float:
        """One optimisation step on ``batch``; its summed loss. The loss is normalised by the
        global batch size, so the gradient DDP averages equals the single-process one."""
        args, target, weight = _on(batch, self.device)
        with _autocast(self.device, self.precision):
            logits = self.net(*args)
        loss = loss_sum(logits, target, weight)
        self.optimiser.zero_grad()
        (loss * (self.world.size / batch.global_size)).backward()
        self.optimiser.step()
        self.trained += batch.global_size
        return float(loss.detach())

    def train_epoch(self, train: BatchSource, batch_size: int, seed: int, bar: Any) -> float:
        """The rest of the current epoch (from the position's batch on); the summed loss."""
        position = self.position
        running = position.running
        self.net.train()
        pin = self.device.type == "cuda"
        batches = prefetch(train.batches(batch_size, position.epoch, seed, position.batch), pin=pin)
        every = self.checkpointing.every_batches if self.checkpointing else 0
        for number, batch in enumerate(batches, start=position.batch + 1):
            running += self.step(batch)
            bar.update(batch.global_size)
            bar.set_postfix(loss=f"{running * self.world.size / max(bar.n, 1):.4f}")
            if every and number % every == 0:
                summed = distributed.all_sum([running])[0]
                self.save(
                    Position(position.epoch, number, summed, position.best, position.waited,
                             self.history.to_dict())
                )  # fmt: skip
                running = summed if self.world.is_main else 0.0
        return distributed.all_sum([running])[0]

    def end_epoch(self, train_loss: float, val_loss: float, seconds: float) -> None:
        """Record the epoch's losses, step the schedule, keep the best weights, save."""
        history, position = self.history, self.position
        history.train_loss.append(train_loss)
        history.val_loss.append(val_loss)
        self.schedule.step(val_loss)
        best, waited = position.best, position.waited
        if val_loss < best:
            best, waited = val_loss, 0
            self.best_state = copy.deepcopy(self.model.state_dict())
            history.best_epoch = position.epoch
        else:
            waited += 1
        history.seconds += seconds
        self.position = Position(position.epoch + 1, 0, 0.0, best, waited, history.to_dict())
        self.save(self.position)


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
    run = _Run(model, device, learning_rate, checkpointing, precision)
    run.restore()
    began = start = time.perf_counter()
    kernels = deterministic() if device.type == "cpu" else nullcontext()
    with kernels:
        while run.position.epoch < epochs and run.position.waited < patience:
            bar = tqdm(
                total=train.n_jets,
                initial=min(run.position.batch * batch_size, train.n_jets),
                desc=f"seed {seed} epoch {run.position.epoch + 1}/{epochs}",
                unit="jet",
                unit_scale=True,
                disable=bar_disabled(progress and run.world.is_main),
                leave=False,
            )
            summed = run.train_epoch(train, batch_size, seed, bar)
            bar.close()
            val_loss = _weighted_loss(model, val, device, 4 * batch_size, precision)
            run.end_epoch(summed / train.total_weight, val_loss, time.perf_counter() - start)
            start = time.perf_counter()
    history = run.history
    history.seconds += time.perf_counter() - start
    elapsed = time.perf_counter() - began
    history.jets_per_second = run.trained / elapsed if elapsed > 0 else 0.0
    if run.best_state is not None:
        model.load_state_dict(run.best_state)
    if checkpointing and run.world.is_main:
        clear_progress(checkpointing.directory)
    return history
