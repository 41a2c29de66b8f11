"""The background a study draws its baselines from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jetxai import data
from jetxai.studies.background import background_sample
from jetxai.train import load_samples


def test_background_weights_are_uniform_per_process_or_the_yield(
    vlq_dataset: Path, ttbar_dataset: Path, top_dataset: Path
) -> None:
    samples = load_samples([vlq_dataset, ttbar_dataset])
    rows, uniform, xsec = background_sample(samples, np.random.default_rng(0), n_max=10)
    assert len(rows) == 10
    assert np.all(samples.target[rows] == 0)
    assert set(rows) <= set(samples.train)
    assert uniform.sum() == pytest.approx(1.0)  # one background process
    # the cross-section weights of a process sum to its selected yield σ × ε
    manifest = data.read_manifest(ttbar_dataset)
    assert xsec.sum() == pytest.approx(manifest["cut_flow"]["bjets"]["yield_pb"], rel=1e-9)
