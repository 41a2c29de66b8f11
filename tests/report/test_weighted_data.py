"""The page's data section with generator-weighted jets: the table gives their effective number
and the XAUG distributions are weighted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.features import add_xaug
from jetxai.generate import generate
from jetxai.report import figures, jet_page

from ..generate.test_biased import BIASED_TOP


def test_weighted_jets_are_drawn_with_their_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "top"
    generate(BIASED_TOP, root, progress=False)
    add_xaug(root, progress=False)
    drawn: list[dict[str, Any]] = []
    real = figures.distributions
    monkeypatch.setattr(figures, "distributions", lambda v, n: drawn.append(v) or real(v, n))
    manifests = {"top": data.read_manifest(root)}
    chosen = {"samples": ["top"]}
    context, _, processes = jet_page.datasets_section(chosen, {"top": root}, manifests)
    assert processes == {"top"}
    assert context["datasets"][0]["effective_jets"] == manifests["top"]["effective_jets"]
    stored = ak.to_numpy(data.read(root).weight)
    assert drawn
    assert all(np.array_equal(d["top"][1], stored) for d in drawn)
