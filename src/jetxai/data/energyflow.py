"""Reader for the EnergyFlow quark/gluon datasets (Komiske, Metodiev & Thaler, "Energy flow
networks", JHEP 01 (2019) 121, arXiv:1810.05165; Pythia 8 samples on Zenodo).

Format: an ``.npz`` with ``X`` of shape (N, M, 4) holding (p_T, y, φ, PDG id) per particle, zero
padded, and ``y`` (1 quark, 0 gluon). Four-momenta are rebuilt with the PDG mass of each id
(p_z = m_T sinh y, E = m_T cosh y). Loaded without pickle, and streamed: the X member is
decompressed and converted block by block (:func:`stream_energyflow_qg`).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai.data._build import jets_from_constituents, padded_to_jagged
from jetxai.data.formats import FORMATS
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


def _jets(
    particles: npt.NDArray[np.floating], labels: npt.NDArray[np.generic], path: Path
) -> ak.Array:
    """Jets in the common schema from rows of X and y (checked)."""
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


def _header(stream: IO[bytes], path: Path, name: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from the .npy header of member ``name`` (C order, no objects)."""
    version = np.lib.format.read_magic(stream)
    read = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    shape, fortran, dtype = read(stream)
    if fortran or dtype.hasobject:
        raise InputError(f"{path}: {name} is stored in Fortran order or holds objects")
    return shape, dtype


def _members(archive: zipfile.ZipFile, path: Path) -> None:
    missing = {"X.npy", "y.npy"} - set(archive.namelist())
    if missing:
        names = ", ".join(sorted(m.removesuffix(".npy") for m in missing))
        raise InputError(f"{path}: missing array(s) {names}")


def _open(path: str | os.PathLike[str]) -> tuple[Path, zipfile.ZipFile]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path}: cannot read as .npz ({exc.__class__.__name__})") from None
    try:
        _members(archive, path)
    except InputError:
        archive.close()
        raise
    return path, archive


def stream_energyflow_qg(path: str | os.PathLike[str], size: int) -> Iterator[ak.Array]:
    """The jets of an EnergyFlow quark/gluon ``.npz`` in pieces of at most ``size``, reading the
    (compressed) X array row block by row block: memory is bounded by the piece."""
    path, archive = _open(path)
    try:
        with archive:
            with archive.open("y.npy") as stream:
                labels = np.lib.format.read_array(stream, allow_pickle=False)
            with archive.open("X.npy") as stream:
                shape, dtype = _header(stream, path, "X")
                if len(shape) != 3 or shape[2] != 4 or labels.shape != (shape[0],):
                    raise InputError(
                        f"{path}: X must be (N, M, 4) with one label per jet, got {shape}"
                    )
                row = shape[1] * shape[2]
                for begin in range(0, shape[0], size):
                    count = min(size, shape[0] - begin)
                    raw = stream.read(count * row * dtype.itemsize)
                    if len(raw) != count * row * dtype.itemsize:
                        raise InputError(f"{path}: X ends early (truncated file)")
                    block = np.frombuffer(raw, dtype=dtype).reshape(count, shape[1], 4)
                    yield _jets(block, labels[begin : begin + count], path)
    except InputError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"{path}: cannot read as .npz ({exc.__class__.__name__})") from None


@FORMATS.register(
    "energyflow-qg", description="EnergyFlow quark/gluon jets (.npz)", stream=stream_energyflow_qg
)
def read_energyflow_qg(path: str | os.PathLike[str]) -> ak.Array:
    """Read an EnergyFlow quark/gluon ``.npz`` into the common jet schema."""
    pieces = list(stream_energyflow_qg(path, 1 << 62))
    return pieces[0] if pieces else _jets(np.zeros((0, 1, 4)), np.zeros(0), Path(path))
