"""Exclusive-kT subjets: the separation of the two leading ones, and which subjet each
constituent belongs to.

The jet's constituents are reclustered with the kT algorithm (Catani, Dokshitzer, Seymour &
Webber, Nucl. Phys. B406 (1993) 187) down to exactly N subjets. ΔR₁₂ is the distance of the two
leading ones in (y, φ) (a jet with a single constituent gets 0); a constituent belongs to the
subjet axis nearest to it in (y, φ), as in N-subjettiness.
"""

from __future__ import annotations

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai import kinematics
from jetxai.features import _recluster
from jetxai.features._padded import Padded

Array = npt.NDArray[np.float64]


def subjet_membership(jets: ak.Array, n: int, n_subjets: int = 3) -> npt.NDArray[np.int64]:
    """(N, n): for the ``n`` hardest constituents of each jet (the slot order of
    :func:`~jetxai.features.constituents`), the index of the nearest of the ``n_subjets``
    exclusive-kT subjets, ordered by decreasing pT (−1 on empty slots)."""
    padded = Padded.from_jets(jets)
    sy, sphi, spt = _recluster.exclusive_axes(padded, n_subjets)
    order = np.argsort(-np.where(padded.mask, padded.pt, -1.0), axis=1, kind="stable")[:, :n]
    y = np.take_along_axis(padded.y, order, axis=1)
    phi = np.take_along_axis(padded.phi, order, axis=1)
    real = np.take_along_axis(padded.mask & (padded.pt > 0), order, axis=1)
    dr = kinematics.delta_r(y[:, :, None], phi[:, :, None], sy[:, None, :], sphi[:, None, :])
    dr = np.where(spt[:, None, :] > 0, dr, np.inf)
    out = np.full((len(padded.mask), n), -1, dtype=np.int64)
    width = min(n, order.shape[1])
    out[:, :width] = np.where(real, np.argmin(dr, axis=2), -1)
    return out


def dr_subjets(padded: Padded) -> Array:
    """ΔR between the two exclusive-kT subjets of each jet."""
    y, phi, pt = _recluster.exclusive_axes(padded, 2)
    dr = kinematics.delta_r(y[:, 0], phi[:, 0], y[:, 1], phi[:, 1])
    return np.where(pt[:, 1] > 0, dr, 0.0)
