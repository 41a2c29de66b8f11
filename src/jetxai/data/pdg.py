"""Electric charge from a PDG Monte Carlo particle id, vectorised.

Follows the PDG numbering scheme (Review of Particle Physics, "Monte Carlo particle numbering
scheme"): for |id| = n_q1 n_q2 n_q3 n_J a baryon has charge Q(q1) + Q(q2) + Q(q3); a meson
(n_q1 = 0) is q2 q̄3, with charge Q(q2) − Q(q3), its sign flipped when q2 is down-type
(so 321 is K⁺ = u s̄). Negative ids are antiparticles. Leptons and gauge bosons come from a
small table; quarks (fractional charge), nuclei and BSM ids get 0.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Quark charges in units of e/3, indexed by quark number (0 unused): d u s c b t.
_QUARK_THIRDS = np.array([0, -1, 2, -1, 2, -1, 2], dtype=np.int64)
#: |PDG id| of the neutrinos: invisible, never a jet constituent.
NEUTRINOS = (12, 14, 16)

# Fundamental particles with |id| < 100, charge of the particle (positive id), in units of e.
_FUNDAMENTAL = {11: -1, 13: -1, 15: -1, 17: -1, 24: 1, 34: 1, 37: 1}


def charge(pid: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Integer electric charge (units of e) of each PDG id in ``pid`` (any shape)."""
    pid = np.asarray(pid, dtype=np.int64)
    apid = np.abs(pid)
    sign = np.sign(pid)

    small = np.zeros(apid.shape, dtype=np.int64)
    for code, q in _FUNDAMENTAL.items():
        small[apid == code] = q

    nq1 = (apid // 1000) % 10
    nq2 = (apid // 100) % 10
    nq3 = (apid // 10) % 10
    baryon = _QUARK_THIRDS[nq1] + _QUARK_THIRDS[nq2] + _QUARK_THIRDS[nq3]
    meson = _QUARK_THIRDS[nq2] - _QUARK_THIRDS[nq3]
    meson = np.where(nq2 % 2 == 1, -meson, meson)
    hadron = np.where(nq1 > 0, baryon, meson) // 3

    is_hadron = (apid >= 100) & (apid < 1_000_000) & (nq2 > 0) & (nq3 > 0)
    q = np.where(apid < 100, small, np.where(is_hadron, hadron, 0)) * sign
    return q.astype(np.int8)
