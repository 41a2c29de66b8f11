"""The XAUG registry: every variable on real jets, symmetries, degenerate jets and errors."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jetxai import data
from jetxai.errors import InputError
from jetxai.features import registry as xaug_module
from jetxai.features.registry import XAUG_NAMES, xaug

from . import _hand

REQUIRED = (
    "mass",
    "pt",
    "eta",
    "msd",
    "tau1",
    "tau2",
    "tau3",
    "tau4",
    "tau21",
    "tau32",
    "tau43",
    "c2",
    "d2",
    "n2",
    "m2",
    "multiplicity",
    "charged_multiplicity",
    "ptd",
    "girth",
    "jet_charge",
    "zg",
    "rg",
    "dr_subjets",
    "lund_lnkt_max",
)


@pytest.fixture(scope="module")
def jets(top_dataset: Path) -> ak.Array:
    return data.read(top_dataset)[:5]


@pytest.fixture(scope="module")
def values(jets: ak.Array) -> dict[str, np.ndarray]:
    return xaug(jets)


def test_every_required_variable_is_registered() -> None:
    assert set(REQUIRED) <= set(XAUG_NAMES)
    assert {"c2_b2", "d2_b2"} <= set(XAUG_NAMES)


def test_values_are_finite_float64_one_per_jet(
    jets: ak.Array, values: dict[str, np.ndarray]
) -> None:
    assert list(values) == list(XAUG_NAMES)
    for name, value in values.items():
        assert value.dtype == np.float64, name
        assert value.shape == (len(jets),), name
        assert np.all(np.isfinite(value)), name


def test_kinematics_agree_with_the_stored_jet(
    jets: ak.Array, values: dict[str, np.ndarray]
) -> None:
    np.testing.assert_allclose(values["mass"], jets.jet_mass.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(values["pt"], jets.jet_pt.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(values["eta"], jets.jet_eta.to_numpy(), rtol=1e-9)
    np.testing.assert_array_equal(values["multiplicity"], jets.jet_nparticles.to_numpy())
    assert np.all(values["msd"] <= values["mass"] + 1e-9)
    np.testing.assert_allclose(values["tau32"], values["tau3"] / values["tau2"], rtol=1e-12)


def _transform(jets: ak.Array, dy: float, dphi: float, permute: bool) -> ak.Array:
    """Boost along the beam by rapidity dy, rotate by dphi about it, optionally reverse order."""
    px, py, pz, e = (jets[f] for f in ("part_px", "part_py", "part_pz", "part_energy"))
    c, s = np.cos(dphi), np.sin(dphi)
    ch, sh = np.cosh(dy), np.sinh(dy)
    moved = {
        "part_px": c * px - s * py,
        "part_py": s * px + c * py,
        "part_pz": ch * pz + sh * e,
        "part_energy": ch * e + sh * pz,
        "part_charge": jets.part_charge,
        "part_pid": jets.part_pid,
    }
    if permute:
        moved = {name: value[:, ::-1] for name, value in moved.items()}
    return ak.zip(moved, depth_limit=1)


@settings(max_examples=12, deadline=None)
@given(
    dy=st.floats(-1.5, 1.5),
    dphi=st.floats(-np.pi, np.pi),
    permute=st.booleans(),
)
def test_invariant_under_boosts_rotations_and_order(
    jets: ak.Array, values: dict[str, np.ndarray], dy: float, dphi: float, permute: bool
) -> None:
    moved = xaug(_transform(jets, dy, dphi, permute))
    for name in XAUG_NAMES:
        if name == "eta":
            continue
        np.testing.assert_allclose(moved[name], values[name], rtol=1e-6, atol=1e-9, err_msg=name)


def test_degenerate_jets_have_defined_values() -> None:
    degenerate = _hand.jets(
        ([50.0], [0.1], [0.2]),  # one constituent
        ([30.0, 20.0], [0.4, 0.4], [3.1, 3.1]),  # collinear, near phi = pi
        ([40.0, 60.0, 1.0], [0.0, 0.0, 0.05], [3.1, -3.1, 3.14]),  # straddling phi = pi
    )
    result = xaug(degenerate)
    for name, value in result.items():
        assert np.all(np.isfinite(value)), name
    for name in (
        "tau1",
        "tau2",
        "tau21",
        "c2",
        "d2",
        "n2",
        "m2",
        "zg",
        "rg",
        "dr_subjets",
        "girth",
    ):
        assert result[name][0] == 0.0, name
    # the pair straddling phi = pi is 0.083 apart, not 2 pi - 0.083
    assert result["dr_subjets"][2] == pytest.approx(2 * np.pi - 6.2, abs=0.02)


def test_zero_pt_padding_is_ignored(jets: ak.Array, values: dict[str, np.ndarray]) -> None:
    zeros = ak.Array([[0.0, 0.0]] * len(jets))
    fields = ("part_px", "part_py", "part_pz", "part_energy", "part_charge", "part_pid")
    padded = ak.zip({f: ak.concatenate([jets[f], zeros], axis=1) for f in fields}, depth_limit=1)
    again = xaug(padded)
    for name in XAUG_NAMES:
        if name in ("multiplicity", "charged_multiplicity"):
            continue
        np.testing.assert_allclose(again[name], values[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_subsets_and_block_size(
    jets: ak.Array, values: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xaug_module, "BLOCK", 2)
    subset = xaug(jets, ["tau32", "msd"])
    assert list(subset) == ["tau32", "msd"]
    np.testing.assert_allclose(subset["tau32"], values["tau32"], rtol=1e-12)
    np.testing.assert_allclose(subset["msd"], values["msd"], rtol=1e-12)


def test_unknown_name_and_missing_fields_are_clear_errors(jets: ak.Array) -> None:
    with pytest.raises(InputError, match="unknown XAUG variable"):
        xaug(jets, ["tau32", "tau99"])
    with pytest.raises(InputError, match="part_energy"):
        xaug(ak.zip({"part_px": jets.part_px}, depth_limit=1))
