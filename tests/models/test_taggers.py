"""Every registered tagger: shapes, XAUG concatenation, masking, and the call convention."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import torch

from jetxai import data
from jetxai.errors import InputError
from jetxai.models import MODELS, build, default_spec, prepare_inputs
from jetxai.models.inputs import fit_standardisation, raw_inputs
from jetxai.models.layers import Concat

XAUG = ["mass", "tau32", "d2"]


@pytest.fixture(scope="module")
def jets(top_dataset: Path) -> ak.Array:
    return data.read(top_dataset)[:8]


def _model(name: str, xaug: list[str], jets: ak.Array, n: int = 16) -> torch.nn.Module:
    spec = default_spec(name, xaug, n_constituents=n)
    if spec.image_bins:
        spec.image_bins = 16
    fit_standardisation(spec, raw_inputs(spec, jets))
    torch.manual_seed(0)
    return build(spec).eval()


CASES = [(name, xaug) for name in MODELS for xaug in ([], XAUG) if not (name == "dnn" and not xaug)]


@pytest.mark.parametrize(("name", "xaug"), CASES)
def test_logits_and_input_structure(jets: ak.Array, name: str, xaug: list[str]) -> None:
    model = _model(name, xaug, jets)
    inputs, additional = prepare_inputs(model, jets)
    low_level = MODELS[name].cls.representation != "xaug"
    assert len(inputs) == int(low_level) + int(bool(xaug))
    assert len(additional) == int(MODELS[name].cls.representation == "constituents")
    logits = model(*inputs, *additional)
    assert logits.shape == (len(jets),)
    assert torch.isfinite(logits).all()
    assert model.split([*inputs, *additional]) == (list(inputs), list(additional))


@pytest.mark.parametrize("name", [n for n in MODELS if n != "dnn"])
def test_xaug_enters_through_the_concatenation_before_the_head(jets: ak.Array, name: str) -> None:
    model = _model(name, XAUG, jets)
    concat = [m for m in model.modules() if isinstance(m, Concat)]
    assert len(concat) == 1
    first_dense = model.head.dense[0]
    seen = []
    handle = concat[0].register_forward_hook(
        lambda m, args, out: seen.append([a.shape[-1] for a in args])
    )
    inputs, additional = prepare_inputs(model, jets)
    with torch.no_grad():
        before = model(*inputs, *additional)
        changed = (*inputs[:-1], inputs[-1] + 1.0)
        after = model(*changed, *additional)
    handle.remove()
    latent = first_dense.in_features - len(XAUG)
    assert seen[0] == [latent, len(XAUG)]
    assert not torch.allclose(before, after)  # the XAUG branch is used


@pytest.mark.parametrize("name", ["pfn", "efn", "lstm", "gru", "particlenet", "part"])
def test_padding_changes_nothing(jets: ak.Array, name: str) -> None:
    model = _model(name, [], jets, n=16)
    (x,), (mask,) = prepare_inputs(model, jets)
    garbage = torch.randn(x.shape[0], 9, x.shape[2]) * 100
    wider = torch.cat([x, garbage], dim=1)
    wider_mask = torch.cat([mask, torch.zeros(x.shape[0], 9, dtype=torch.bool)], dim=1)
    # fewer real constituents than slots: garbage in the freed slots must not matter either
    partial = mask.clone()
    partial[:, 10:] = False
    with torch.no_grad():
        np.testing.assert_allclose(model(wider, wider_mask), model(x, mask), rtol=1e-5, atol=1e-6)
        scrambled = torch.where(partial.unsqueeze(-1), x, torch.randn_like(x) * 100)
        np.testing.assert_allclose(
            model(scrambled, partial), model(x, partial), rtol=1e-5, atol=1e-6
        )


def test_dnn_needs_xaug_and_unknown_models_are_refused() -> None:
    with pytest.raises(InputError, match="needs XAUG"):
        default_spec("dnn", [])
    with pytest.raises(InputError, match="unknown model"):
        default_spec("transformer", [])


def test_stored_xaug_columns_equal_computed(jets: ak.Array) -> None:
    from jetxai.features import column, xaug
    from jetxai.models.inputs import xaug_matrix

    values = xaug(jets, XAUG)
    stored = jets
    for name, value in values.items():
        stored = ak.with_field(stored, value * 0 + 123.0, column(name))
    np.testing.assert_array_equal(xaug_matrix(stored, XAUG), 123.0)  # stored columns win
    np.testing.assert_allclose(xaug_matrix(jets, XAUG), np.stack([values[n] for n in XAUG], 1))
