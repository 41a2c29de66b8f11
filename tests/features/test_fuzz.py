"""Fuzzing the feature kernels with physical jets: never an exception, never NaN or inf.

Each example is a batch of jets with 1–40 massless or pion-mass constituents inside R = 0.8 of
a jet axis anywhere in |η| < 2.5, with p_T spread over six orders of magnitude, and the edge
cases that broke kernels before: collinear and duplicated constituents, a single constituent,
p_T = 0 particles along the beam. 25 examples × 48 jets = 1200 jets per kernel.
"""

from __future__ import annotations

import awkward as ak
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jetxai.features import FEATURES, XAUG_NAMES, constituents, images, xaug

JETS_PER_EXAMPLE = 48
FUZZ = settings(max_examples=25, deadline=None, derandomize=True)


def _jets(seed: int) -> ak.Array:
    rng = np.random.default_rng(seed)
    rows = []
    for j in range(JETS_PER_EXAMPLE):
        n = int(rng.integers(1, 41))
        axis_y, axis_phi = rng.uniform(-2.0, 2.0), rng.uniform(-np.pi, np.pi)
        radius = 0.8 * np.sqrt(rng.uniform(0, 1, n))
        angle = rng.uniform(0, 2 * np.pi, n)
        y, phi = axis_y + radius * np.cos(angle), axis_phi + radius * np.sin(angle)
        pt = 10 ** rng.uniform(-3, 3, n)
        mass = np.where(rng.uniform(size=n) < 0.5, 0.0, 0.13957)
        kind = j % 6
        if kind == 1 and n > 1:  # collinear: every constituent in one direction
            y[:], phi[:] = y[0], phi[0]
        if kind == 2 and n > 1:  # exact duplicates
            y[1], phi[1], pt[1], mass[1] = y[0], phi[0], pt[0], mass[0]
        mt = np.sqrt(pt**2 + mass**2)
        px, py, pz, e = pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y), mt * np.cosh(y)
        if kind == 3:  # a massless particle along the beam (p_T = 0)
            px, py = np.append(px, 0.0), np.append(py, 0.0)
            pz, e = np.append(pz, 25.0), np.append(e, 25.0)
        charge = rng.integers(-1, 2, len(px))
        rows.append(
            {
                "part_px": px.tolist(),
                "part_py": py.tolist(),
                "part_pz": pz.tolist(),
                "part_energy": e.tolist(),
                "part_charge": charge.tolist(),
                "part_pid": np.where(charge == 0, 22, 211 * charge).tolist(),
            }
        )
    return ak.Array(rows)


@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_every_xaug_variable_is_finite(seed: int) -> None:
    values = xaug(_jets(seed), XAUG_NAMES)
    for name, array in values.items():
        assert array.shape == (JETS_PER_EXAMPLE,), name
        assert np.isfinite(array).all(), name


@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_every_constituent_feature_and_image_is_finite(seed: int) -> None:
    jets = _jets(seed)
    x, mask = constituents(jets, 32, list(FEATURES))
    assert np.isfinite(x).all()
    assert (x[~mask] == 0).all()
    image = images(jets, bins=16)
    assert np.isfinite(image).all()
    assert np.allclose(image.sum(axis=(1, 2, 3))[image.sum(axis=(1, 2, 3)) > 0], 1.0, atol=1e-5)
