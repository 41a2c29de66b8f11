"""Streamed batches: every row once per epoch, in an order fixed by (seed, epoch), shared
exactly between processes, resumable at any batch, prefetched without changing anything."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from jetxai.models import default_spec
from jetxai.models.spec import ModelSpec
from jetxai.train.prepared import Prepared
from jetxai.train.stream import BlockStream, prefetch

N_ROWS = 103
BLOCK = 10


@pytest.fixture
def prepared(tmp_path: Path) -> Prepared:
    """A hand-made train split of 103 rows in blocks of 10: xaug = (row, -row)."""
    names, sizes, weights = [], [], []
    for index, first in enumerate(range(0, N_ROWS, BLOCK)):
        rows = np.arange(first, min(first + BLOCK, N_ROWS))
        name = f"train-{index:06d}.npz"
        np.savez(
            tmp_path / name,
            xaug=np.stack([rows, -rows], axis=1).astype(np.float64),
            target=(rows % 2).astype(np.float32),
            weight=np.full(len(rows), 0.5, dtype=np.float32),
            row=rows,
        )
        names.append(name)
        sizes.append(len(rows))
        weights.append(0.5 * len(rows))
    return Prepared(tmp_path, {"train": names}, {"train": sizes}, {"train": weights})


@pytest.fixture
def spec() -> ModelSpec:
    spec = default_spec("dnn", ["mass", "tau32"], 0)
    spec.xaug_mean, spec.xaug_std = [0.0, 0.0], [1.0, 1.0]
    return spec


def _rows(batches: Iterator) -> list[list[int]]:  # type: ignore[type-arg]
    return [b.rows.tolist() for b in batches]


def _flat(rows: list[list[int]]) -> list[int]:
    return [r for batch in rows for r in batch]


@pytest.mark.parametrize("buffer_jets", [1, 25, 1000])
def test_every_row_once_per_epoch_and_the_order_is_the_seeds(
    prepared: Prepared, spec: ModelSpec, buffer_jets: int
) -> None:
    stream = BlockStream(prepared, "train", spec, buffer_jets=buffer_jets)
    assert stream.n_jets == N_ROWS
    assert stream.total_weight == pytest.approx(0.5 * N_ROWS)
    epoch0 = _rows(stream.batches(8, epoch=0, seed=1))
    assert sorted(_flat(epoch0)) == list(range(N_ROWS))
    assert [len(b) for b in epoch0[:-1]] == [8] * (len(epoch0) - 1)  # one short batch at most
    assert len(epoch0) == stream.n_batches(8)
    assert _rows(stream.batches(8, epoch=0, seed=1)) == epoch0
    assert _rows(stream.batches(8, epoch=1, seed=1)) != epoch0
    assert _rows(stream.batches(8, epoch=0, seed=2)) != epoch0
    # the tensors are the rows' inputs, standardised by the spec
    batch = next(stream.batches(8, epoch=0, seed=1))
    (x,) = batch.args
    np.testing.assert_array_equal(x[:, 0].numpy(), batch.rows.astype(np.float32))
    np.testing.assert_array_equal(batch.target.numpy(), batch.rows % 2)


def test_in_order_without_an_epoch(prepared: Prepared, spec: ModelSpec) -> None:
    stream = BlockStream(prepared, "train", spec)
    assert _flat(_rows(stream.batches(16))) == list(range(N_ROWS))


def test_a_resumed_epoch_skips_exactly_the_batches_done(
    prepared: Prepared, spec: ModelSpec
) -> None:
    stream = BlockStream(prepared, "train", spec, buffer_jets=25)
    whole = _rows(stream.batches(8, epoch=3, seed=0))
    assert _rows(stream.batches(8, epoch=3, seed=0, start=5)) == whole[5:]


def test_processes_share_each_global_batch(prepared: Prepared, spec: ModelSpec) -> None:
    one = list(BlockStream(prepared, "train", spec, buffer_jets=25).batches(8, 2, 7))
    shares = [
        list(BlockStream(prepared, "train", spec, rank, 3, buffer_jets=25).batches(8, 2, 7))
        for rank in range(3)
    ]
    for index, whole in enumerate(one):
        parts = [s[index] for s in shares]
        assert all(p.global_size == len(whole.rows) for p in parts)
        assert sorted(_flat([p.rows.tolist() for p in parts])) == sorted(whole.rows.tolist())


def test_prefetch_keeps_order_and_raises_the_threads_error(
    prepared: Prepared, spec: ModelSpec
) -> None:
    stream = BlockStream(prepared, "train", spec, buffer_jets=25)
    direct = _rows(stream.batches(8, epoch=0, seed=4))
    assert _rows(prefetch(stream.batches(8, epoch=0, seed=4), depth=2)) == direct

    def broken() -> Iterator:  # type: ignore[type-arg]
        yield from stream.batches(8, epoch=0, seed=4)
        raise ValueError("a damaged block")

    with pytest.raises(ValueError, match="damaged block"):
        list(prefetch(broken()))
    # leaving early stops the thread
    first = next(prefetch(stream.batches(8, epoch=0, seed=4), depth=1))
    assert first.rows.tolist() == direct[0]
    assert isinstance(first.args[0], torch.Tensor)
