"""Batches for training, streamed from prepared blocks in bounded memory, shuffled by seed.

An epoch's order is a function of (seed, epoch) alone: the block order is a permutation drawn
from ``numpy.random.default_rng([seed, epoch])``, blocks are read ``buffer_jets`` rows at a time,
and each buffer's rows (with the rows the last buffer left over) are permuted by the same
generator before they are cut into batches. So two runs with the same seed see the same
batches, a resumed epoch can skip to any batch, and memory holds one buffer (plus the batches
queued by the prefetch thread), whatever the number of jets.

With ``world`` processes (DistributedDataParallel) every process draws the same global batches
and builds only its share (rows ``rank::world``), so K processes see together exactly what one
process sees with the same global batch.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import torch

from jetxai.models.inputs import as_tensors, standardise
from jetxai.models.spec import ModelSpec
from jetxai.train.prepared import LABELS, Prepared

Tensors = tuple[torch.Tensor, ...]
#: Rows a shuffle buffer holds.
BUFFER_JETS = 32768


@dataclass
class Batch:
    """One process's share of a global batch: model arguments, target, loss weight, and the
    size of the global batch it belongs to (the loss is normalised by that)."""

    args: Tensors
    target: torch.Tensor
    weight: torch.Tensor
    global_size: int
    rows: npt.NDArray[np.int64] | None = None


class BatchSource(Protocol):
    """What :func:`jetxai.train.loop.fit` trains on: batches per epoch and the split's total
    loss weight (``epoch=None``: every row once, in stored order)."""

    total_weight: float
    n_jets: int

    def batches(
        self, batch_size: int, epoch: int | None = None, seed: int = 0, start: int = 0
    ) -> Iterator[Batch]: ...

    def n_batches(self, batch_size: int) -> int: ...


def _concat(parts: list[dict[str, npt.NDArray[Any]]]) -> dict[str, npt.NDArray[Any]]:
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _take(arrays: dict[str, npt.NDArray[Any]], rows: npt.NDArray[np.int64]) -> dict[str, Any]:
    return {k: v[rows] for k, v in arrays.items()}


class BlockStream:
    """The batches of one split of :class:`~jetxai.train.prepared.Prepared` inputs for a model
    of ``spec`` (standardisation set), as process ``rank`` of ``world`` sees them."""

    def __init__(
        self,
        prepared: Prepared,
        split: str,
        spec: ModelSpec,
        rank: int = 0,
        world: int = 1,
        buffer_jets: int = BUFFER_JETS,
    ) -> None:
        self.prepared, self.split, self.spec = prepared, split, spec
        self.rank, self.world, self.buffer_jets = rank, world, buffer_jets
        self.n_jets = prepared.n_jets(split)
        self.total_weight = prepared.total_weight(split)

    def n_batches(self, batch_size: int) -> int:
        return -(-self.n_jets // batch_size)

    def _buffers(self, rng: np.random.Generator | None) -> Iterator[dict[str, npt.NDArray[Any]]]:
        sizes = self.prepared.sizes[self.split]
        order = np.arange(len(sizes)) if rng is None else rng.permutation(len(sizes))
        group: list[dict[str, npt.NDArray[Any]]] = []
        held = 0
        for index in order:
            group.append(self.prepared.read(self.split, int(index)))
            held += sizes[index]
            if held >= self.buffer_jets:
                yield self._standardised(_concat(group))
                group, held = [], 0
        if group:
            yield self._standardised(_concat(group))

    def _standardised(self, raw: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
        """A buffer's inputs standardised once (then batches only take rows of it)."""
        inputs = standardise(self.spec, {k: v for k, v in raw.items() if k not in LABELS})
        return {**inputs, **{k: raw[k] for k in LABELS}}

    def _global_batches(
        self, batch_size: int, epoch: int | None, seed: int
    ) -> Iterator[dict[str, npt.NDArray[Any]]]:
        rng = None if epoch is None else np.random.default_rng([seed, epoch])
        left: dict[str, npt.NDArray[Any]] | None = None
        for buffer in self._buffers(rng):
            if left is not None:
                buffer = _concat([left, buffer])
            n = len(buffer["row"])
            order = np.arange(n) if rng is None else rng.permutation(n)
            full = n - n % batch_size
            for first in range(0, full, batch_size):
                yield _take(buffer, order[first : first + batch_size])
            left = _take(buffer, order[full:]) if full < n else None
        if left is not None:
            yield left

    def batches(
        self, batch_size: int, epoch: int | None = None, seed: int = 0, start: int = 0
    ) -> Iterator[Batch]:
        """Batches of ``epoch`` (shuffled by ``(seed, epoch)``; ``None``: in stored order),
        from batch ``start`` on."""
        for number, rows in enumerate(self._global_batches(batch_size, epoch, seed)):
            if number < start:
                continue
            size = len(rows["row"])
            mine = rows if self.world == 1 else _take(rows, np.arange(self.rank, size, self.world))
            inputs, additional = as_tensors({k: v for k, v in mine.items() if k not in LABELS})
            yield Batch(
                args=(*inputs, *additional),
                target=torch.from_numpy(mine["target"]),
                weight=torch.from_numpy(mine["weight"]),
                global_size=size,
                rows=mine["row"],
            )


@dataclass
class Batches:
    """Tensors already in memory (a small set, or the bare-loop reference of the benchmarks):
    inputs, additional forward args, target and weight, batched as a :class:`BlockStream`."""

    inputs: Tensors
    additional: Tensors
    target: torch.Tensor
    weight: torch.Tensor

    def __len__(self) -> int:
        return len(self.target)

    @property
    def n_jets(self) -> int:
        return len(self.target)

    @property
    def total_weight(self) -> float:
        return float(self.weight.double().sum())

    def n_batches(self, batch_size: int) -> int:
        return -(-len(self) // batch_size)

    def batches(
        self, batch_size: int, epoch: int | None = None, seed: int = 0, start: int = 0
    ) -> Iterator[Batch]:
        n = len(self)
        order = (
            np.arange(n) if epoch is None else np.random.default_rng([seed, epoch]).permutation(n)
        )
        for first in range(start * batch_size, n, batch_size):
            index = torch.from_numpy(order[first : first + batch_size])
            yield Batch(
                args=tuple(t[index] for t in (*self.inputs, *self.additional)),
                target=self.target[index],
                weight=self.weight[index],
                global_size=len(index),
            )


_DONE = object()


def prefetch(batches: Iterator[Batch], depth: int = 4, pin: bool = False) -> Iterator[Batch]:
    """``batches`` built ahead by a background thread (reading blocks and standardising overlap
    the optimisation; numpy and torch release the GIL for the heavy parts), in the same order;
    ``pin``: page-locked tensors for asynchronous copies to a GPU. An error in the thread is
    raised here; leaving the loop early stops the thread."""
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def fill() -> None:
        try:
            for batch in batches:
                if pin:
                    batch.args = tuple(t.pin_memory() for t in batch.args)
                while not stop.is_set():
                    try:
                        slots.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            slots.put(exc)

    thread = threading.Thread(target=fill, name="jetxai-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                slots.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
