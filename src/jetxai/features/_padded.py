"""Jets as zero-padded numpy arrays, the form every observable kernel takes.

Substructure observables measure angles in (rapidity y, azimuth φ), as FastJet does.
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai import kinematics

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Padded:
    """Constituents of N jets padded to n slots; ``mask`` marks the real ones.

    Real constituents (energy > 0) come first in every row, in their original order; entries
    with zero energy count as padding wherever they stand.

    Per-constituent arrays have shape (N, n) and are 0 in padded slots; ``jet_*`` arrays have
    shape (N,) and describe the sum of the constituents (the E-scheme jet).
    """

    px: Array
    py: Array
    pz: Array
    energy: Array
    pt: Array
    y: Array
    phi: Array
    charge: Array
    pid: npt.NDArray[np.int64]
    mask: Mask
    jet_pt: Array
    jet_eta: Array
    jet_y: Array
    jet_phi: Array
    jet_mass: Array

    @property
    def counts(self) -> npt.NDArray[np.int64]:
        """Number of real constituents per jet."""
        return self.mask.sum(axis=1)

    @classmethod
    def from_jets(cls, jets: ak.Array) -> Padded:
        """Pad the ``part_*`` fields of jets in the common schema."""
        counts = ak.to_numpy(ak.num(jets.part_px, axis=1))
        width = max(int(counts.max(initial=0)), 1)
        mask = np.arange(width)[None, :] < counts[:, None]

        def pad(field: str, dtype: type = np.float64) -> npt.NDArray:
            out = np.zeros(mask.shape, dtype=dtype)
            out[mask] = ak.to_numpy(ak.flatten(jets[field])).astype(dtype)
            return out

        px, py, pz, energy = (pad(f) for f in ("part_px", "part_py", "part_pz", "part_energy"))
        return cls.from_momenta(px, py, pz, energy, mask, pad("part_charge"), pad("part_pid", int))

    @classmethod
    def from_momenta(
        cls,
        px: npt.ArrayLike,
        py: npt.ArrayLike,
        pz: npt.ArrayLike,
        energy: npt.ArrayLike,
        mask: npt.ArrayLike | None = None,
        charge: npt.ArrayLike | None = None,
        pid: npt.ArrayLike | None = None,
    ) -> Padded:
        """Build from (N, n) four-momentum arrays (hand-made configurations in tests)."""
        px, py, pz, energy = (
            np.atleast_2d(np.asarray(a, dtype=np.float64)) for a in (px, py, pz, energy)
        )
        charge = np.zeros_like(px) if charge is None else np.atleast_2d(charge).astype(np.float64)
        pid = np.zeros(px.shape, dtype=np.int64) if pid is None else np.atleast_2d(pid)
        # zero-energy entries are padding too; real constituents are moved to the front
        mask = energy > 0 if mask is None else np.atleast_2d(mask).astype(bool) & (energy > 0)
        order = np.argsort(~mask, axis=1, kind="stable")
        mask = np.take_along_axis(mask, order, axis=1)
        px, py, pz, energy, charge = (
            np.where(mask, np.take_along_axis(a, order, axis=1), 0.0)
            for a in (px, py, pz, energy, charge)
        )
        pid = np.where(mask, np.take_along_axis(pid, order, axis=1), 0)
        pt = kinematics.pt(px, py)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = kinematics.rapidity(pz, energy)
        # a massless constituent along the beam (p_T = 0) has y = ±∞; it carries no weight in
        # any p_T-weighted observable, so it is put at y = 0 to keep every ΔR finite
        y = np.where(mask & np.isfinite(y), y, 0.0)
        phi = np.where(mask, kinematics.phi(px, py), 0.0)
        jpx, jpy, jpz, je = (a.sum(axis=1) for a in (px, py, pz, energy))
        with np.errstate(divide="ignore", invalid="ignore"):
            jet_y = np.nan_to_num(kinematics.rapidity(jpz, je))
        return cls(
            px=px,
            py=py,
            pz=pz,
            energy=energy,
            pt=pt,
            y=y,
            phi=phi,
            charge=charge,
            pid=pid,
            mask=mask,
            jet_pt=kinematics.pt(jpx, jpy),
            jet_eta=kinematics.eta(jpx, jpy, jpz),
            jet_y=jet_y,
            jet_phi=kinematics.phi(jpx, jpy),
            jet_mass=kinematics.mass(jpx, jpy, jpz, je),
        )

    def delta_r_to(self, axis_y: npt.ArrayLike, axis_phi: npt.ArrayLike) -> Array:
        """(N, n) ΔR of every constituent to one axis per jet (0 in padded slots)."""
        axis_y = np.asarray(axis_y)[:, None]
        axis_phi = np.asarray(axis_phi)[:, None]
        return np.where(self.mask, kinematics.delta_r(self.y, self.phi, axis_y, axis_phi), 0.0)

    def pairwise_delta_r(self, rows: npt.NDArray[np.int64], width: int | None = None) -> Array:
        """(len(rows), w, w) ΔR between the first ``width`` constituent slots of the jets
        ``rows`` (0 on padded pairs).

        Azimuths are taken relative to the jet axis first, so when every constituent lies
        within π/2 of it (any jet of R < π/2) pairwise differences need no wrapping.
        """
        columns = slice(None, width)
        y, mask = self.y[rows, columns], self.mask[rows, columns]
        phi = np.where(
            mask, kinematics.delta_phi(self.phi[rows, columns], self.jet_phi[rows, None]), 0
        )
        dy = y[:, :, None] - y[:, None, :]
        dphi = phi[:, :, None] - phi[:, None, :]
        if np.abs(phi).max(initial=0.0) > np.pi / 2:
            dphi = kinematics.delta_phi(dphi, 0.0)
        dr = np.sqrt(dy * dy + dphi * dphi)
        return np.where(mask[:, :, None] & mask[:, None, :], dr, 0.0)
