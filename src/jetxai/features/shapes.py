"""Jet shapes from constituents: multiplicities, p_T^D, girth and jet charge.

- multiplicity: number of constituents; charged multiplicity: those with charge ≠ 0.
- p_T^D = √(Σ p_T,i²) / Σ p_T,i (CMS, "Performance of quark/gluon discrimination in 8 TeV pp
  data", CMS-PAS-JME-13-002; introduced in CMS-PAS-JME-10-010).
- girth (linear radial moment) g = Σ p_T,i ΔR_i / p_T,jet (Gallicchio & Schwartz, "Quark and
  gluon tagging at the LHC", PRL 107 (2011) 172001, arXiv:1106.3076).
- jet charge Q_κ = Σ q_i p_T,i^κ / p_T,jet^κ (Krohn, Schwartz, Lin & Waalewijn, PRL 110 (2013)
  212001, arXiv:1209.2421), κ = 0.5 by default.

ΔR is to the jet axis in (y, φ). Empty jets give 0 for every shape.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from jetxai.features._padded import Padded

Array = npt.NDArray[np.float64]


def _safe_divide(numerator: Array, denominator: Array) -> Array:
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def multiplicity(padded: Padded) -> Array:
    """Number of constituents."""
    return padded.counts.astype(np.float64)


def charged_multiplicity(padded: Padded) -> Array:
    """Number of electrically charged constituents."""
    return ((padded.charge != 0) & padded.mask).sum(axis=1).astype(np.float64)


def ptd(padded: Padded) -> Array:
    """p_T^D = √(Σ p_T²) / Σ p_T."""
    return _safe_divide(np.sqrt((padded.pt**2).sum(axis=1)), padded.pt.sum(axis=1))


def girth(padded: Padded) -> Array:
    """g = Σ p_T,i ΔR(i, jet) / p_T,jet."""
    dr = padded.delta_r_to(padded.jet_y, padded.jet_phi)
    return _safe_divide((padded.pt * dr).sum(axis=1), padded.jet_pt)


def jet_charge(padded: Padded, kappa: float = 0.5) -> Array:
    """Q_κ = Σ q_i p_T,i^κ / p_T,jet^κ."""
    return _safe_divide((padded.charge * padded.pt**kappa).sum(axis=1), padded.jet_pt**kappa)
