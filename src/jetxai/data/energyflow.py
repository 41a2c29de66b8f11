"""Reader for the EnergyFlow quark/gluon datasets (Komiske, Metodiev & Thaler, "Energy flow
networks", JHEP 01 (2019) 121, arXiv:1810.05165; Pythia 8 samples on Zenodo).

Format: an ``.npz`` with ``X`` of shape (N, M, 4) holding (p_T, y, φ, PDG id) per particle, zero
padded, and ``y`` (1 quark, 0 gluon). Four-momenta are rebuilt with the PDG mass of each id
(p_z = m_T sinh y, E = m_T cosh y). Loaded without pickle.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai.data._build import jets_from_constituents, padded_to_jagged
from jetxai.data.pdg import charge
from jetxai.errors import InputError

#: PDG masses (GeV) of the final-state particles in the EnergyFlow samples.
MASSES = {
    11: 0.000511,
    13: 0.10566,
    22: 0.0,
    130: 0.497611,
    211: 0.13957,
    321: 0.493677,
    2112: 0.939565,
    2212: 0.938272,
}


def _mass(pid: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    out = np.zeros(pid.shape)
    for code, mass in MASSES.items():
        out[np.abs(pid) == code] = mass
    return out


def read_energyflow_qg(path: str | os.PathLike[str]) -> ak.Array:
    """Read an EnergyFlow quark/gluon ``.npz`` into the common jet schema."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as npz:
            if "X" not in npz.files or "y" not in npz.files:
                raise InputError(
                    f"{path}: missing array(s) {', '.join({'X', 'y'} - set(npz.files))}"
                )
            particles, labels = npz["X"], npz["y"]
    except InputError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"{path}: cannot read as .npz ({exc.__class__.__name__})") from None
    if particles.ndim != 3 or particles.shape[2] != 4 or len(labels) != len(particles):
        raise InputError(
            f"{path}: X must be (N, M, 4) with one label per jet, got {particles.shape}"
        )
    labels = np.asarray(labels)
    unknown = np.unique(labels[(labels != 0) & (labels != 1)])
    if len(unknown):
        raise InputError(
            f"{path}: y holds value(s) {', '.join(map(str, unknown[:5]))}; only 0 (gluon) and "
            "1 (quark) are defined"
        )
    if not np.isfinite(particles).all():
        raise InputError(f"{path}: X holds NaN or infinite values")
    pt, y, phi = (particles[..., i].astype(np.float64) for i in range(3))
    pid = particles[..., 3].astype(np.int64)
    mt = np.sqrt(pt**2 + _mass(pid) ** 2)
    energy = np.where(pt > 0, mt * np.cosh(y), 0.0)
    return jets_from_constituents(
        padded_to_jagged(pt * np.cos(phi)),
        padded_to_jagged(pt * np.sin(phi)),
        padded_to_jagged(mt * np.sinh(y)),
        padded_to_jagged(energy),
        pid=padded_to_jagged(pid),
        charge=padded_to_jagged(charge(pid)),
        process=np.where(np.asarray(labels) == 1, "quark", "gluon"),
    )
