"""Training one network: seeded initialisation and shuffling, early stopping, best weights."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from tqdm.auto import tqdm

from jetxai.models.taggers import Tagger

Tensors = tuple[torch.Tensor, ...]


@dataclass
class Batches:
    """Model arguments for a set of jets: inputs, additional forward args, target, weight."""

    inputs: Tensors
    additional: Tensors
    target: torch.Tensor
    weight: torch.Tensor

    def __len__(self) -> int:
        return len(self.target)

    def take(
        self, index: torch.Tensor, device: torch.device
    ) -> tuple[Tensors, torch.Tensor, torch.Tensor]:
        args = tuple(t[index].to(device) for t in (*self.inputs, *self.additional))
        return args, self.target[index].to(device), self.weight[index].to(device)


@dataclass
class History:
    """Per-epoch losses and the epoch whose weights were kept."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = -1
    seconds: float = 0.0
    jets_per_second: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@contextmanager
def deterministic() -> Iterator[None]:
    """Deterministic kernels for the duration (restored after)."""
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)


def predict(
    model: Tagger, batches: Batches, device: torch.device, batch_size: int = 4096
) -> npt.NDArray[np.float64]:
    """Logits of ``model`` for every jet in ``batches``."""
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(batches), batch_size):
            index = torch.arange(start, min(start + batch_size, len(batches)))
            args, _, _ = batches.take(index, device)
            out.append(model(*args).double().cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0)


def _weighted_loss(model: Tagger, batches: Batches, device: torch.device, batch_size: int) -> float:
    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(batches), batch_size):
            index = torch.arange(start, min(start + batch_size, len(batches)))
            args, target, weight = batches.take(index, device)
            logits = model(*args)
            total += float(
                torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, target, weight=weight, reduction="sum"
                )
            )
    return total / float(batches.weight.sum())


def fit(
    model: Tagger,
    train: Batches,
    val: Batches,
    seed: int,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    patience: int,
    device: torch.device,
    progress: bool = True,
) -> History:
    """Train ``model`` in place; it ends with the weights of the best validation epoch."""
    generator = torch.Generator().manual_seed(seed)
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(optimiser, factor=0.5, patience=2)
    history = History()
    best_state: dict[str, torch.Tensor] | None = None
    best = np.inf
    waited = 0
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc=f"seed {seed}", unit="epoch", disable=not progress, leave=False)
    with deterministic():
        for epoch in bar:
            model.train()
            order = torch.randperm(len(train), generator=generator)
            running = 0.0
            for first in range(0, len(train), batch_size):
                args, target, weight = train.take(order[first : first + batch_size], device)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    model(*args), target, weight=weight, reduction="sum"
                )
                optimiser.zero_grad()
                (loss / len(target)).backward()
                optimiser.step()
                running += float(loss.detach())
            history.train_loss.append(running / float(train.weight.sum()))
            history.val_loss.append(_weighted_loss(model, val, device, 4 * batch_size))
            schedule.step(history.val_loss[-1])
            bar.set_postfix(
                train=f"{history.train_loss[-1]:.4f}", val=f"{history.val_loss[-1]:.4f}"
            )
            if history.val_loss[-1] < best:
                best, waited = history.val_loss[-1], 0
                best_state = copy.deepcopy(model.state_dict())
                history.best_epoch = epoch
            else:
                waited += 1
                if waited >= patience:
                    break
    history.seconds = time.perf_counter() - start
    history.jets_per_second = len(train) * len(history.train_loss) / history.seconds
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
