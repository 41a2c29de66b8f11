"""Shared fixtures: small real datasets generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from jetxai.generate import GeneratorConfig, generate

#: A small top sample: three chunks, so resume and parallel tests have something to split.
SMALL_TOP = GeneratorConfig(process="top", n_jets=24, seed=11, chunk_size=8, batch_size=20)


@pytest.fixture(scope="session")
def top_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("top")
    generate(SMALL_TOP, root, progress=False)
    return root


#: A small QCD sample to pair with SMALL_TOP for training tests.
SMALL_QCD = GeneratorConfig(process="qcd", n_jets=24, seed=12, chunk_size=24, batch_size=20)


@pytest.fixture(scope="session")
def qcd_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("qcd")
    generate(SMALL_QCD, root, progress=False)
    return root
