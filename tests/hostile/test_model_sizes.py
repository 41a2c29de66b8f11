"""ParticleNet, ParT and PFN options from a YAML config that cannot work — k at or above the
particle count, a width that does not split into the heads, zero or negative sizes, sizes that
would allocate terabytes — are refused in one line before any input is prepared or any weight
allocated; so are checkpoints that carry them."""

from __future__ import annotations

from pathlib import Path

import pytest

from jetxai.errors import InputError
from jetxai.models import build, default_spec

from .conftest import assert_clean_refusal, run_cli

#: YAML training config → phrase of the refusal
IMPOSSIBLE = [
    ("model: particlenet\noptions: {k: 64}", "k = 64 neighbours"),
    ("model: particlenet\noptions: {k: 1000}", "k = 1000 neighbours"),
    ("model: particlenet\noptions: {k: 20}\nn_constituents: 16", "choose 1 <= k < 16"),
    ("model: particlenet\noptions: {k: 0}", "'k'"),
    ("model: particlenet\noptions: {k: -3}", "'k'"),
    ("model: particlenet\noptions: {k: 2.5}", "'k'"),
    ("model: particlenet\noptions: {widths: [0]}", "'widths'"),
    ("model: particlenet\noptions: {widths: [32, -64]}", "'widths'"),
    ("model: particlenet\noptions: {widths: [1000000000]}", "'widths'"),
    ("model: particlenet\noptions: {widths: []}", "'widths'"),
    ("model: particlenet\noptions: {depth: 0}", "'depth'"),
    ("model: particlenet\noptions: {depth: 100000}", "'depth'"),
    ("model: particlenet\nn_constituents: 10000\nbatch_size: 4096", "GiB for one batch"),
    ("model: part\noptions: {dim: 30, heads: 4}", "not a multiple of heads"),
    ("model: part\noptions: {dim: 32, heads: 5}", "not a multiple of heads"),
    ("model: part\noptions: {heads: 0}", "'heads'"),
    ("model: part\noptions: {heads: -8}", "'heads'"),
    ("model: part\noptions: {dim: 0}", "'dim'"),
    ("model: part\noptions: {dim: 100000000}", "'dim'"),
    ("model: part\noptions: {embed: [0]}", "'embed'"),
    ("model: part\noptions: {pair: [0]}", "'pair'"),
    ("model: part\noptions: {pair: [4096, 4096, 4096, 4096]}", "GiB for one batch"),
    ("model: part\noptions: {particle_blocks: -1}", "'particle_blocks'"),
    ("model: part\noptions: {particle_blocks: 100000}", "'particle_blocks'"),
    (
        "model: part\noptions: {hidden: [8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8]}",
        "layers",
    ),
    ("model: part\nn_constituents: 100000000", "n_constituents"),
    ("model: part\nn_constituents: 10000", "GiB for one batch"),
    ("model: pfn\noptions: {phi: [1000000000, 1000000000]}", "'phi'"),
    ("model: pfn\noptions: {phi: [0]}", "'phi'"),
    ("model: pfn\noptions: {phi: big}", "'phi'"),
]


@pytest.mark.parametrize(("text", "phrase"), IMPOSSIBLE, ids=[t for t, _ in IMPOSSIBLE])
def test_impossible_model_sizes_are_refused_before_anything_is_prepared(
    capsys, trained_dnn: Path, tmp_path: Path, text: str, phrase: str
) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "c.yaml"
    config.write_text(text + "\n")
    out = tmp_path / "r"
    argv = ["train", "--config", config, "--data", trained_dnn / "top", "--data"]
    argv += [trained_dnn / "qcd", "--seeds", "1", "--epochs", "1", "--out", out]
    code, err = run_cli(capsys, *argv)
    assert_clean_refusal(code, err, phrase)
    assert not list(out.rglob("*.parquet"))  # no input was prepared
    assert not list(out.rglob("*.safetensors"))


@pytest.mark.parametrize(
    ("name", "options", "phrase"),
    [
        ("particlenet", {"k": 24}, "k = 24 neighbours"),
        ("part", {"dim": 30, "heads": 4}, "not a multiple"),
        ("part", {"heads": 0}, "'heads'"),
    ],
)
def test_a_spec_that_cannot_work_is_refused_by_build(name: str, options: dict, phrase: str) -> None:  # type: ignore[type-arg]
    spec = default_spec(name, [], n_constituents=24)
    spec.options = options
    with pytest.raises(InputError, match=phrase):
        build(spec)
