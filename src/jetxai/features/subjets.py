"""Separation of the two leading exclusive-kT subjets.

The jet's constituents are reclustered with the kT algorithm (Catani, Dokshitzer, Seymour &
Webber, Nucl. Phys. B406 (1993) 187) down to exactly two subjets; ΔR₁₂ is their distance in
(y, φ). A jet with a single constituent gets 0.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from jetxai import kinematics
from jetxai.features import _recluster
from jetxai.features._padded import Padded

Array = npt.NDArray[np.float64]


def dr_subjets(padded: Padded) -> Array:
    """ΔR between the two exclusive-kT subjets of each jet."""
    y, phi, pt = _recluster.exclusive_axes(padded, 2)
    dr = kinematics.delta_r(y[:, 0], phi[:, 0], y[:, 1], phi[:, 1])
    return np.where(pt[:, 1] > 0, dr, 0.0)
