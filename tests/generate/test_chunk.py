"""Chunk seeding: a pure function of (seed, chunk index), inside Pythia's range."""

from __future__ import annotations

from jetxai.generate import chunk_seed
from jetxai.generate._pythia import MAX_PYTHIA_SEED


def test_chunk_seeds_are_stable_distinct_and_in_range() -> None:
    seeds = [chunk_seed(s, i) for s in (0, 1, 2**40) for i in range(50)]
    assert len(set(seeds)) == len(seeds)
    assert all(1 <= s <= MAX_PYTHIA_SEED for s in seeds)
    assert chunk_seed(7, 3) == chunk_seed(7, 3)
