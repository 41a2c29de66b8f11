"""Jet images: pixel placement and each preprocessing step on hand-made jets."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.errors import InputError
from jetxai.features import images

from . import _hand


def test_single_particle_lands_in_the_centre_pixel() -> None:
    img = images(_hand.jets(([50.0], [0.3], [1.0])), bins=5, extent=1.0)
    assert img.shape == (1, 1, 5, 5)
    expected = np.zeros((5, 5))
    expected[2, 2] = 1.0
    np.testing.assert_array_equal(img[0, 0], expected)


def test_raw_pixelation_without_preprocessing() -> None:
    # 30 GeV at (+0.5, 0) and 10 GeV at (-0.5, 0) relative to... the jet axis is the pT-weighted
    # direction; with no centring the pixel grid is on the axis (eta_jet, phi_jet)
    jets = _hand.jets(([30.0, 10.0], [0.0, 0.0], [0.5, -0.5]))
    img = images(jets, bins=4, extent=1.0, centre=False, rotate=False, flip=False, normalise=False)
    assert img.sum() == pytest.approx(40.0)
    # phi_jet ~ 0.25 rad here, so the 30 GeV particle is at y ~ +0.25 (row 1), the other at
    # y ~ -0.75 (row 3); both at x = 0 (column 2)
    assert img[0, 0, 1, 2] == pytest.approx(30.0)
    assert img[0, 0, 3, 2] == pytest.approx(10.0)


def test_rotation_and_flip_fix_the_orientation() -> None:
    # two prongs along a diagonal; after centring + rotation they lie on the vertical axis and
    # the flip puts the harder one on top
    jets = _hand.jets(
        ([30.0, 10.0], [0.2, -0.2], [0.2, -0.2]), ([10.0, 30.0], [0.2, -0.2], [-0.2, 0.2])
    )
    img = images(jets, bins=9, extent=1.0)
    np.testing.assert_allclose(img.sum(axis=(1, 2, 3)), 1.0, rtol=1e-6)
    for k in range(2):
        rows, cols = np.nonzero(img[k, 0])
        assert set(cols) == {4}  # central column: the principal axis is vertical
        top = rows.min()
        assert img[k, 0, top, 4] == pytest.approx(0.75)  # the harder prong (30 of 40) on top
    np.testing.assert_allclose(img[0], img[1], atol=1e-7)  # mirror images become identical


def test_bad_arguments() -> None:
    with pytest.raises(InputError):
        images(_hand.jets(([1.0], [0.0], [0.0])), bins=0)


def test_an_image_with_no_constituent_inside_is_empty() -> None:
    jets = _hand.jets(([100.0, 50.0], [0.0, 0.5], [0.0, 0.5]))
    image = images(jets, bins=4, extent=0.01, centre=False, rotate=False, flip=False)
    assert image.shape == (1, 1, 4, 4)
    assert image.dtype == np.float32
    assert image.sum() == 0
