"""The XAUG ("expert augmented") variables: a registry of named per-jet observables.

``xaug(jets, names)`` evaluates any subset in blocks of jets; each block shares the expensive
intermediate results (exclusive-kT axes, e₂/e₃, soft drop, …) between the variables that need
them. Every variable is float64, one value per jet. Units: GeV for masses and momenta.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import awkward as ak
import numpy as np
import numpy.typing as npt
from tqdm.auto import tqdm

from jetxai._quiet import bar_disabled
from jetxai._registry import Registry
from jetxai.errors import InputError
from jetxai.features import ecf, lund, nsubjettiness, shapes, softdrop, subjets
from jetxai.features._padded import Padded

Array = npt.NDArray[np.float64]

#: Jets per evaluation block (bounds memory; results do not depend on it).
BLOCK = 2_048
#: N-subjettiness normalisation radius R₀ (the default jet radius).
R0 = 0.8
#: Jet-charge exponent κ.
KAPPA = 0.5


class _Block:
    """One block of jets with lazily computed, shared intermediate results."""

    def __init__(self, jets: ak.Array, tau_axes: str = nsubjettiness.DEFAULT_AXES) -> None:
        self.padded = Padded.from_jets(jets)
        self.tau_axes = tau_axes

    def tau(self, n: int) -> Array:
        return self._taus[n - 1]

    @cached_property
    def _taus(self) -> list[Array]:
        return [taus(self.padded, n, self.tau_axes) for n in range(1, 5)]

    def ecf(self, beta: float) -> tuple[Array, Array]:
        return self._ecf[beta]

    @cached_property
    def _ecf(self) -> dict[float, tuple[Array, Array]]:
        correlators = ecf.e2_e3(self.padded, betas=(1.0, 2.0))
        return {beta: ecf.c2_d2(e2, e3) for beta, (e2, e3) in correlators.items()}

    @cached_property
    def n2_m2(self) -> tuple[Array, Array]:
        return ecf.n2_m2(self.padded, beta=1.0)

    @cached_property
    def soft_drop(self) -> tuple[Array, Array, Array]:
        return softdrop.soft_drop(self.padded, beta=0.0, z_cut=0.1, r0=R0)


def taus(padded: Padded, n: int, axes: str = nsubjettiness.DEFAULT_AXES) -> Array:
    """τ_N (β = 1, R₀ = :data:`R0`) of every jet against the named ``axes``
    (:data:`jetxai.features.nsubjettiness.AXES`)."""
    y, phi, real = nsubjettiness.AXES[axes].find(padded, n)
    p = padded
    return nsubjettiness.tau_n(p.pt, p.y, p.phi, p.mask, y, phi, real, r0=R0)


@dataclass(frozen=True)
class Variable:
    """A registered XAUG variable: its name, a one-line description and how to compute it."""

    name: str
    description: str
    compute: Callable[[_Block], Array]


VARIABLES: Registry[Variable] = Registry("XAUG variable")


def register_variable(
    name: str, description: str, compute: Callable[[_Block], Array] | None = None
) -> Any:
    """Decorator: add the decorated function as the XAUG variable ``name`` (it maps a block of
    jets — padded constituents, cached reclusterings — to one value per jet)::

        @register_variable("my_ratio", "what it measures [unit]")
        def _my_ratio(block):
            return my_ratio(block.padded)

    ``register_variable(name, description, compute)`` registers ``compute`` directly and
    returns its :class:`Variable`."""
    if compute is not None:
        return VARIABLES.add(name, Variable(name, description, compute))

    def decorate(function: Callable[[_Block], Array]) -> Callable[[_Block], Array]:
        VARIABLES.add(name, Variable(name, description, function))
        return function

    return decorate


@register_variable("mass", "jet invariant mass [GeV]")
def _mass(b: _Block) -> Array:
    return b.padded.jet_mass


@register_variable("pt", "jet transverse momentum [GeV]")
def _pt(b: _Block) -> Array:
    return b.padded.jet_pt


@register_variable("eta", "jet pseudorapidity")
def _eta(b: _Block) -> Array:
    return b.padded.jet_eta


@register_variable("msd", "soft-drop mass, beta=0, z_cut=0.1 [GeV]")
def _msd(b: _Block) -> Array:
    return b.soft_drop[0]


def _tau(n: int) -> Callable[[_Block], Array]:
    return lambda block: block.tau(n)


def _tau_ratio(n: int) -> Callable[[_Block], Array]:
    return lambda block: nsubjettiness.ratio(block.tau(n), block.tau(n - 1))


for _n in range(1, 5):
    register_variable(f"tau{_n}", f"N-subjettiness tau_{_n}, beta=1 (one-pass kT axes)")(_tau(_n))
for _n in range(2, 5):
    register_variable(f"tau{_n}{_n - 1}", f"tau_{_n} / tau_{_n - 1}")(_tau_ratio(_n))


@register_variable("c2", "energy-correlation ratio C2, beta=1")
def _c2(b: _Block) -> Array:
    return b.ecf(1.0)[0]


@register_variable("d2", "energy-correlation ratio D2, beta=1")
def _d2(b: _Block) -> Array:
    return b.ecf(1.0)[1]


@register_variable("c2_b2", "energy-correlation ratio C2, beta=2")
def _c2_b2(b: _Block) -> Array:
    return b.ecf(2.0)[0]


@register_variable("d2_b2", "energy-correlation ratio D2, beta=2")
def _d2_b2(b: _Block) -> Array:
    return b.ecf(2.0)[1]


@register_variable("n2", "generalised ECF ratio N2, beta=1")
def _n2(b: _Block) -> Array:
    return b.n2_m2[0]


@register_variable("m2", "generalised ECF ratio M2, beta=1")
def _m2(b: _Block) -> Array:
    return b.n2_m2[1]


@register_variable("multiplicity", "number of constituents")
def _multiplicity(b: _Block) -> Array:
    return shapes.multiplicity(b.padded)


@register_variable("charged_multiplicity", "number of charged constituents")
def _charged_multiplicity(b: _Block) -> Array:
    return shapes.charged_multiplicity(b.padded)


@register_variable("ptd", "pT^D = sqrt(sum pT^2) / sum pT")
def _ptd(b: _Block) -> Array:
    return shapes.ptd(b.padded)


@register_variable("girth", "linear radial moment sum(pT dR) / pT_jet")
def _girth(b: _Block) -> Array:
    return shapes.girth(b.padded)


@register_variable("jet_charge", f"pT-weighted jet charge, kappa={KAPPA}")
def _jet_charge(b: _Block) -> Array:
    return shapes.jet_charge(b.padded)


@register_variable("zg", "soft-drop momentum fraction z_g")
def _zg(b: _Block) -> Array:
    return b.soft_drop[1]


@register_variable("rg", "soft-drop groomed radius R_g")
def _rg(b: _Block) -> Array:
    return b.soft_drop[2]


@register_variable("dr_subjets", "dR of the two exclusive-kT subjets")
def _dr_subjets(b: _Block) -> Array:
    return subjets.dr_subjets(b.padded)


@register_variable("lund_lnkt_max", "largest ln(kT/GeV) on the primary Lund plane")
def _lund_lnkt_max(b: _Block) -> Array:
    return lund.lund_lnkt_max(b.padded)


#: Variables that need particle charge or identity.
NEEDS_PID = ("charged_multiplicity", "jet_charge")


def refuse_without_pid(jets: ak.Array, names: Sequence[str], what: str) -> None:
    """Refuse ``names`` (which need charge / PDG id) on jets whose data carry none."""
    if names and "has_pid" in ak.fields(jets) and not bool(ak.all(jets.has_pid)):
        raise InputError(
            f"{what} {', '.join(names)} need particle charge or identity, which these data do "
            "not carry"
        )


#: Every available XAUG variable name, in a fixed order.
XAUG_NAMES: tuple[str, ...] = tuple(VARIABLES)


def _check_names(names: Sequence[str] | None) -> tuple[str, ...]:
    if names is None:
        return XAUG_NAMES
    unknown = [n for n in names if n not in VARIABLES]
    if unknown:
        raise InputError(
            f"unknown XAUG variable(s) {', '.join(unknown)}; available: {', '.join(XAUG_NAMES)}"
        )
    return tuple(names)


def xaug(
    jets: ak.Array,
    names: Sequence[str] | None = None,
    progress: bool = False,
    tau_axes: str = nsubjettiness.DEFAULT_AXES,
) -> dict[str, Array]:
    """XAUG variables of ``jets`` (the common jet schema): name → float64 array, one per jet.

    ``tau_axes`` names the N-subjettiness axes (:data:`jetxai.features.nsubjettiness.AXES`)."""
    nsubjettiness.AXES.choose(tau_axes)
    chosen = _check_names(names)
    missing = [
        f for f in ("part_px", "part_py", "part_pz", "part_energy") if f not in ak.fields(jets)
    ]
    if missing:
        raise InputError(f"jets lack constituent field(s) {', '.join(missing)}")
    refuse_without_pid(jets, [n for n in chosen if n in NEEDS_PID], "XAUG variable(s)")
    result: dict[str, list[Array]] = {name: [] for name in chosen}
    starts = range(0, len(jets), BLOCK)
    for start in tqdm(starts, desc="xaug", unit="block", disable=bar_disabled(progress)):
        block = _Block(jets[start : start + BLOCK], tau_axes)
        for name in chosen:
            result[name].append(VARIABLES[name].compute(block))
    return {name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in result.items()}
