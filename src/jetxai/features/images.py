"""Jet images with a centroid and principal-axis preprocessing.

The recipe of Cogan, Kagan, Strauss & Schwartzman, "Jet-images: computer vision inspired
techniques for jet tagging", JHEP 02 (2015) 118, arXiv:1407.5675 (translation, rotation by the
principal axis, parity flip), with the pixel intensity p_T and the normalisation used by the
later jet-image taggers (e.g. de Oliveira et al., arXiv:1511.05190, who centre and rotate on
subjets instead). Steps (each switchable):

1. centre: translate (η, φ) so the pT-weighted centroid is at the origin;
2. rotate: turn the principal axis of the pT-weighted (η, φ) inertia tensor onto the vertical;
3. flip: reflect x so the right half (x > 0) holds at least the pT of the left half, and y so
   the upper half (y > 0) holds at least the pT of the lower half. (This does not make the
   upper-right quadrant the hardest: the two halves are balanced separately.)
4. pixelate: pT summed in ``bins`` × ``bins`` pixels over [−extent, extent]²;
5. normalise: divide by the image's total pT (an empty image stays 0).

The image array is (N, 1, H, W) float32; row index is y = Δφ′ (top row = largest), column is
x = Δη′.
"""

from __future__ import annotations

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai import kinematics
from jetxai.errors import InputError


def _pixel_index(
    values: npt.NDArray[np.float64], bins: int, extent: float
) -> npt.NDArray[np.int64]:
    return np.floor((values + extent) / (2 * extent) * bins).astype(np.int64)


def images(
    jets: ak.Array,
    bins: int = 40,
    extent: float = 1.0,
    centre: bool = True,
    rotate: bool = True,
    flip: bool = True,
    normalise: bool = True,
) -> npt.NDArray[np.float32]:
    """(N, 1, bins, bins) jet images of ``jets`` (the common schema)."""
    if bins < 1 or not extent > 0:
        raise InputError(f"images need bins >= 1 and extent > 0, got {bins}, {extent}")
    counts = ak.to_numpy(ak.num(jets.part_px, axis=1))
    px, py, pz = (
        ak.to_numpy(ak.flatten(jets[f])).astype(np.float64)
        for f in ("part_px", "part_py", "part_pz")
    )
    owner = np.repeat(np.arange(len(counts)), counts)
    pt = kinematics.pt(px, py)
    keep = pt > 0
    owner, px, py, pz, pt = owner[keep], px[keep], py[keep], pz[keep], pt[keep]
    size = len(counts)
    jet = [np.bincount(owner, weights=a, minlength=size) for a in (px, py, pz)]
    x = kinematics.eta(px, py, pz) - kinematics.eta(*jet)[owner]
    y = kinematics.delta_phi(kinematics.phi(px, py), kinematics.phi(jet[0], jet[1])[owner])
    total = np.bincount(owner, weights=pt, minlength=size)
    safe_total = np.where(total > 0, total, 1.0)

    def weighted_mean(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return (np.bincount(owner, weights=pt * values, minlength=size) / safe_total)[owner]

    if centre:
        x, y = x - weighted_mean(x), y - weighted_mean(y)
    if rotate:
        sxx, syy, sxy = weighted_mean(x * x), weighted_mean(y * y), weighted_mean(x * y)
        # angle of the principal (largest-spread) axis, then turn it onto the vertical
        theta = 0.5 * np.arctan2(2 * sxy, sxx - syy)
        turn = np.pi / 2 - theta
        c, s = np.cos(turn), np.sin(turn)
        x, y = c * x - s * y, s * x + c * y
    if flip:
        x = x * np.where(weighted_mean(np.sign(x)) < 0, -1.0, 1.0)
        y = y * np.where(weighted_mean(np.sign(y)) < 0, -1.0, 1.0)
    column = _pixel_index(x, bins, extent)
    row = bins - 1 - _pixel_index(y, bins, extent)
    inside = (column >= 0) & (column < bins) & (row >= 0) & (row < bins)
    flat = (owner * bins + row) * bins + column
    # float64 even when nothing lands inside (np.bincount of empty weights returns integers)
    image = np.bincount(flat[inside], weights=pt[inside], minlength=size * bins * bins).astype(
        np.float64
    )
    image = image.reshape(size, 1, bins, bins)
    if normalise:
        sums = image.sum(axis=(1, 2, 3), keepdims=True)
        image = np.divide(image, sums, out=np.zeros_like(image), where=sums > 0)
    return image.astype(np.float32)
