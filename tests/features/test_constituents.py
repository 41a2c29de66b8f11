"""Padded constituent features against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.errors import InputError
from jetxai.features import DEFAULT_FIELDS, constituents

from . import _hand


def test_ordering_padding_and_values() -> None:
    # pT 10 at (eta 0.1, phi 3.1) and pT 30 at (eta -0.1, phi -3.1): pT-ordered the 30 comes
    # first; the axis is near phi = pi, so dphi wraps instead of jumping by 2 pi
    jets = _hand.jets(([10.0, 30.0], [0.1, -0.1], [3.1, -3.1]), charge=[[1, -1]])
    x, mask = constituents(jets, n=4, fields=("log_pt", "dphi", "deta", "charge", "pt_rel"))
    assert x.shape == (1, 4, 5)
    assert x.dtype == np.float32
    np.testing.assert_array_equal(mask, [[True, True, False, False]])
    np.testing.assert_allclose(x[0, :2, 0], np.log([30.0, 10.0]), rtol=1e-6)
    assert abs(x[0, 0, 1]) < 0.2
    assert abs(x[0, 1, 1]) < 0.2
    assert x[0, 0, 1] * x[0, 1, 1] < 0  # on opposite sides of the axis
    np.testing.assert_array_equal(x[0, :2, 3], [-1.0, 1.0])
    np.testing.assert_array_equal(x[0, 2:], 0.0)
    # massless constituents here have eta = y; the axis eta is pT-weighted-ish between them
    assert x[0, 0, 2] > -0.2
    assert x[0, 1, 2] < 0.2


def test_truncation_keeps_the_hardest_and_types_are_one_hot() -> None:
    jets = _hand.jets(([1.0, 5.0, 3.0], [0.0, 0.0, 0.0], [0.0, 0.1, 0.2]), charge=[[0, 1, 0]])
    x, mask = constituents(jets, n=2, fields=("log_pt", "is_charged_hadron", "is_neutral_hadron"))
    np.testing.assert_allclose(x[0, :, 0], np.log([5.0, 3.0]), rtol=1e-6)
    np.testing.assert_array_equal(x[0, :, 1], [1.0, 0.0])
    np.testing.assert_array_equal(x[0, :, 2], [0.0, 1.0])
    assert mask.all()


def test_all_default_fields_are_finite(top_dataset) -> None:  # type: ignore[no-untyped-def]
    from jetxai import data

    x, mask = constituents(data.read(top_dataset)[:4], n=64)
    assert x.shape == (4, 64, len(DEFAULT_FIELDS))
    assert np.isfinite(x).all()
    assert not x[~mask].any()


def test_bad_arguments() -> None:
    jets = _hand.jets(([1.0], [0.0], [0.0]))
    with pytest.raises(InputError, match="unknown constituent feature"):
        constituents(jets, fields=("log_pt", "spin"))
    with pytest.raises(InputError, match="at least 1"):
        constituents(jets, n=0)
