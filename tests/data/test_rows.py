"""Rows of several datasets read on demand, against the datasets read whole."""

from __future__ import annotations

import pickle
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.data.rows import LazyJets
from jetxai.errors import InputError
from jetxai.train import load_samples


def test_rows_in_any_order_equal_those_of_the_datasets_read_whole(
    top_dataset: Path, qcd_dataset: Path
) -> None:
    whole = ak.concatenate([data.read(top_dataset), data.read(qcd_dataset)])
    jets = LazyJets([top_dataset, qcd_dataset])
    assert len(jets) == len(whole)
    rows = np.random.default_rng(1).integers(0, len(whole), 40)
    rows = np.concatenate([rows, rows[:3], [0, len(whole) - 1]])  # repeated rows, both ends
    read = jets[rows]
    assert set(ak.fields(read)) == set(ak.fields(whole))
    assert ak.to_list(read) == ak.to_list(whole[rows][ak.fields(read)])
    assert ak.to_list(jets[5:9]) == ak.to_list(whole[5:9][ak.fields(read)])
    # a pickled copy (what a Dask worker gets) holds no jets and reads the same rows
    copy = pickle.loads(pickle.dumps(jets))
    assert copy._cached is None
    assert ak.to_list(copy[rows]) == ak.to_list(read)
    with pytest.raises(InputError, match="outside"):
        jets[np.array([len(whole)])]


def test_lazy_samples_split_like_samples_in_memory(top_dataset: Path, qcd_dataset: Path) -> None:
    eager = load_samples([top_dataset, qcd_dataset])
    lazy = load_samples([top_dataset, qcd_dataset], lazy=True)
    for name in ("processes", "target", "weight", "train", "val", "test"):
        np.testing.assert_array_equal(getattr(lazy, name), getattr(eager, name))
    assert lazy.provenance == eager.provenance
    np.testing.assert_array_equal(lazy.cross_section_weight(), eager.cross_section_weight())
    assert ak.to_list(lazy.jets[lazy.test]) == ak.to_list(eager.jets[eager.test])
    with pytest.raises(InputError, match="on demand"):
        lazy.in_memory()
