"""Registered jet processes: the Pythia 8 settings that make each kind of boosted jet.

Each recipe names its truth parent (|PDG id|) for signal matching; ``qcd`` has none and keeps the
flavour of the nearest outgoing hard parton instead. Hadronic decays are forced so every event
can yield a signal jet; invisible Z decays recoil against the signal boson where a partner is
needed. Add a process with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jetxai.data.schema import LABELS

if TYPE_CHECKING:
    from jetxai.generate.config import GeneratorConfig

_HADRONIC_W = ["24:onMode = off", "24:onIfAny = 1 2 3 4 5"]
_HADRONIC_Z = ["23:onMode = off", "23:onIfAny = 1 2 3 4 5"]
_INVISIBLE_Z = ["23:onMode = off", "23:onIfAny = 12 14 16"]


@dataclass(frozen=True)
class Process:
    """A named jet source.

    Attributes:
        name: registry key and the value of the ``process`` column.
        label: integer class label stored with every jet.
        parent: |PDG id| of the truth parent a signal jet must match, ``None`` for QCD.
        settings: config → Pythia settings for the hard process and decays.
        description: one line for ``--help`` and the docs.
    """

    name: str
    label: int
    parent: int | None
    settings: Callable[[GeneratorConfig], list[str]]
    description: str


PROCESSES: dict[str, Process] = {}


def register(process: Process) -> Process:
    """Add ``process`` to :data:`PROCESSES` (its name must be new)."""
    if process.name in PROCESSES:
        raise ValueError(f"process {process.name!r} is already registered")
    PROCESSES[process.name] = process
    return process


def _pthat(config: GeneratorConfig) -> list[str]:
    low, high = config.pthat_window
    return [f"PhaseSpace:pTHatMin = {low}", f"PhaseSpace:pTHatMax = {high}"]


def _top(config: GeneratorConfig) -> list[str]:
    return ["Top:gg2ttbar = on", "Top:qqbar2ttbar = on", *_HADRONIC_W, *_pthat(config)]


def _w(config: GeneratorConfig) -> list[str]:
    # W' -> W Z with Z -> nu nu; a W' of mass 2 x (window centre) puts the W's Jacobian peak
    # in the jet pT window.
    mass = config.pt_min + config.pt_max
    return [
        "NewGaugeBoson:ffbar2Wprime = on",
        f"34:m0 = {mass}",
        "Wprime:coup2WZ = 1.",  # Pythia's default 0 closes W' -> W Z
        "34:onMode = off",
        "34:onIfAll = 23 24",
        *_HADRONIC_W,
        *_INVISIBLE_Z,
    ]


def _z(config: GeneratorConfig) -> list[str]:
    return [
        "WeakBosonAndParton:qqbar2gmZg = on",
        "WeakBosonAndParton:qg2gmZq = on",
        "WeakZ0:gmZmode = 2",
        *_HADRONIC_Z,
        *_pthat(config),
    ]


def _higgs(config: GeneratorConfig) -> list[str]:
    return [
        "HiggsSM:ffbar2HZ = on",
        "25:onMode = off",
        "25:onIfMatch = 5 -5",
        *_INVISIBLE_Z,
        *_pthat(config),
    ]


def _qcd(config: GeneratorConfig) -> list[str]:
    return ["HardQCD:all = on", *_pthat(config)]


register(Process("top", LABELS["top"], 6, _top, "tt̄ with hadronic W decays (t → b q q̄′)"))
register(Process("w", LABELS["w"], 24, _w, "W′ → W Z, W → q q̄′, Z → ν ν̄"))
register(Process("z", LABELS["z"], 23, _z, "Z + jet, Z → q q̄"))
register(Process("higgs", LABELS["higgs"], 25, _higgs, "Z H, H → b b̄, Z → ν ν̄"))
register(Process("qcd", LABELS["qcd"], None, _qcd, "QCD dijets (quark and gluon jets)"))
