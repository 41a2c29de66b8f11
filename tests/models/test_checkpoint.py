"""Checkpoints: safetensors + JSON round trip, nothing unpickled, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from jetxai import data
from jetxai.errors import InputError
from jetxai.models import build, default_spec, load, prepare_inputs, save
from jetxai.models.inputs import fit_standardisation, raw_inputs


@pytest.fixture
def saved(top_dataset: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    jets = data.read(top_dataset)[:6]
    spec = default_spec("pfn", ["mass", "tau21"], n_constituents=12)
    fit_standardisation(spec, raw_inputs(spec, jets))
    torch.manual_seed(3)
    model = build(spec).eval()
    save(model, tmp_path / "ckpt")
    return model, jets, tmp_path / "ckpt"


def test_round_trip_gives_identical_outputs(saved, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    model, jets, path = saved

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("torch.load (pickle) must never be used")

    monkeypatch.setattr(torch, "load", refuse)
    loaded = load(path)
    assert not loaded.training
    inputs, additional = prepare_inputs(loaded, jets)
    with torch.no_grad():
        torch.testing.assert_close(loaded(*inputs, *additional), model(*inputs, *additional))
    assert json.loads((path / "model.json").read_text())["xaug"] == ["mass", "tau21"]
    assert sorted(p.name for p in path.iterdir()) == ["model.json", "model.safetensors"]


def test_bad_checkpoints_give_clear_errors(saved, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, path = saved
    with pytest.raises(InputError, match="not a jetxai checkpoint"):
        load(tmp_path / "nowhere")
    (path / "model.safetensors").write_bytes(b"\x00" * 5)
    with pytest.raises(InputError, match="cannot read weights"):
        load(path)


def test_weights_that_do_not_fit_the_spec(saved) -> None:  # type: ignore[no-untyped-def]
    _, _, path = saved
    spec = json.loads((path / "model.json").read_text())
    spec["xaug"] = ["mass"]  # one input fewer than the weights were trained with
    spec["xaug_mean"], spec["xaug_std"] = spec["xaug_mean"][:1], spec["xaug_std"][:1]
    (path / "model.json").write_text(json.dumps(spec))
    with pytest.raises(InputError, match="do not fit"):
        load(path)
