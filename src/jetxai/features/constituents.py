"""Padded constituent lists: the input of set (PFN/EFN) and recurrent (LSTM/GRU) taggers.

``constituents(jets, n, fields)`` returns ``x`` of shape (N, n, F) and ``mask`` of shape (N, n):
the n hardest constituents of each jet, pT-ordered, zero-padded (padding has mask False and all
features 0). Angles are relative to the jet axis (the constituents' four-momentum sum):
Δη = η − η_jet and Δφ wrapped into [−π, π). Particle types follow JetClass's one-hot flags.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai import kinematics
from jetxai._registry import Registry
from jetxai.data.pdg import NEUTRINOS
from jetxai.errors import InputError

Array = npt.NDArray[np.float64]


class _Inputs:
    """Padded per-constituent quantities shared by the feature functions."""

    def __init__(self, jets: ak.Array, n: int) -> None:
        pt = np.hypot(jets.part_px, jets.part_py)
        order = ak.argsort(pt, axis=1, ascending=False)
        clipped = {
            f: jets[f][order][:, :n] for f in ("part_px", "part_py", "part_pz", "part_energy")
        }
        counts = ak.to_numpy(ak.num(clipped["part_px"], axis=1))
        self.mask = np.arange(n)[None, :] < counts[:, None]

        def pad(values: ak.Array) -> Array:
            out = np.zeros(self.mask.shape)
            out[self.mask] = ak.to_numpy(ak.flatten(values)).astype(np.float64)
            return out

        self.px, self.py, self.pz, self.energy = (pad(clipped[f]) for f in clipped)
        self.charge = pad(jets.part_charge[order][:, :n])
        self.pid = pad(jets.part_pid[order][:, :n]).astype(np.int64)
        # a p_T = 0 particle (along the beam, y = ±∞) cannot be part of a jet: it is no input
        # (p_T-ordered, it can only stand last, so the real constituents stay in front)
        self.mask &= np.hypot(self.px, self.py) > 0
        self.px, self.py, self.pz, self.energy, self.charge = (
            np.where(self.mask, a, 0.0)
            for a in (self.px, self.py, self.pz, self.energy, self.charge)
        )
        self.pid = np.where(self.mask, self.pid, 0)
        # the jet axis from all constituents, not just the n kept
        jet = [ak.to_numpy(ak.sum(jets[f], axis=1)) for f in ("part_px", "part_py", "part_pz")]
        self.jet_energy = ak.to_numpy(ak.sum(jets.part_energy, axis=1))
        self.jet_pt = kinematics.pt(jet[0], jet[1])
        self.jet_eta = kinematics.eta(*jet)
        self.jet_phi = kinematics.phi(jet[0], jet[1])
        self.pt = kinematics.pt(self.px, self.py)

    def masked(self, values: Array) -> Array:
        return np.where(self.mask, values, 0.0)

    def log(self, values: Array) -> Array:
        with np.errstate(divide="ignore"):
            return self.masked(np.log(np.where(self.mask, values, 1.0)))

    def deta(self) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = kinematics.eta(self.px, self.py, self.pz)
        return self.masked(eta - self.jet_eta[:, None])

    def dphi(self) -> Array:
        return self.masked(
            kinematics.delta_phi(kinematics.phi(self.px, self.py), self.jet_phi[:, None])
        )

    def flag(self, condition: npt.NDArray[np.bool_]) -> Array:
        return self.masked(condition.astype(np.float64))

    @property
    def abs_pid(self) -> npt.NDArray[np.int64]:
        return np.abs(self.pid)


_LEPTONS_AND_PHOTONS = (11, 13, 22)

#: Available constituent features: name → function of the padded inputs (in the order of
#: :data:`DEFAULT_FIELDS`).
FEATURES: Registry[Callable[[_Inputs], Array]] = Registry("constituent feature")


@FEATURES.register("deta")
def _deta(c: _Inputs) -> Array:
    """Δη to the jet axis."""
    return c.deta()


@FEATURES.register("dphi")
def _dphi(c: _Inputs) -> Array:
    """Δφ to the jet axis."""
    return c.dphi()


@FEATURES.register("log_pt")
def _log_pt(c: _Inputs) -> Array:
    """Log p_T."""
    return c.log(c.pt)


@FEATURES.register("log_e")
def _log_e(c: _Inputs) -> Array:
    """Log E."""
    return c.log(c.energy)


@FEATURES.register("log_pt_rel")
def _log_pt_rel(c: _Inputs) -> Array:
    """Log of p_T over the jet's."""
    return c.log(c.pt / c.jet_pt[:, None])


@FEATURES.register("log_e_rel")
def _log_e_rel(c: _Inputs) -> Array:
    """Log of E over the jet's."""
    return c.log(c.energy / c.jet_energy[:, None])


@FEATURES.register("dr")
def _dr(c: _Inputs) -> Array:
    """ΔR to the jet axis."""
    return c.masked(np.hypot(c.deta(), c.dphi()))


@FEATURES.register("pt_rel")
def _pt_rel(c: _Inputs) -> Array:
    """P_T over the jet's."""
    return c.masked(c.pt / c.jet_pt[:, None])


@FEATURES.register("charge")
def _charge(c: _Inputs) -> Array:
    """Electric charge."""
    return c.masked(c.charge)


@FEATURES.register("is_electron")
def _is_electron(c: _Inputs) -> Array:
    """1 for an electron."""
    return c.flag(c.abs_pid == 11)


@FEATURES.register("is_muon")
def _is_muon(c: _Inputs) -> Array:
    """1 for a muon."""
    return c.flag(c.abs_pid == 13)


@FEATURES.register("is_photon")
def _is_photon(c: _Inputs) -> Array:
    """1 for a photon."""
    return c.flag(c.abs_pid == 22)


@FEATURES.register("is_charged_hadron")
def _is_charged_hadron(c: _Inputs) -> Array:
    """1 for a charged hadron."""
    return c.flag((c.charge != 0) & ~np.isin(c.abs_pid, _LEPTONS_AND_PHOTONS))


@FEATURES.register("is_neutral_hadron")
def _is_neutral_hadron(c: _Inputs) -> Array:
    """1 for a neutral hadron (neutrinos excluded)."""
    return c.flag((c.charge == 0) & ~np.isin(c.abs_pid, _LEPTONS_AND_PHOTONS + NEUTRINOS))


#: Features that need particle charge or identity.
NEEDS_PID = (
    "charge",
    "is_electron",
    "is_muon",
    "is_photon",
    "is_charged_hadron",
    "is_neutral_hadron",
)

#: The default feature set (ParticleNet / JetClass style kinematics plus charge and type).
DEFAULT_FIELDS: tuple[str, ...] = tuple(FEATURES)


def constituents(
    jets: ak.Array, n: int = 128, fields: Sequence[str] = DEFAULT_FIELDS
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """(x, mask): the ``n`` hardest constituents' ``fields``, shape (N, n, F) and (N, n)."""
    if n < 1:
        raise InputError(f"n must be at least 1, got {n}")
    unknown = [f for f in fields if f not in FEATURES]
    if unknown:
        raise InputError(
            f"unknown constituent feature(s) {', '.join(unknown)}; available: {', '.join(FEATURES)}"
        )
    from jetxai.features.registry import refuse_without_pid

    refuse_without_pid(jets, [f for f in fields if f in NEEDS_PID], "constituent feature(s)")
    inputs = _Inputs(jets, n)
    x = np.stack([FEATURES[f](inputs) for f in fields], axis=-1).astype(np.float32)
    return x, inputs.mask
