"""Registered jet processes: the Pythia 8 settings that make each kind of boosted jet.

Each recipe names its truth parent (|PDG id|) for signal matching; ``qcd`` has none and keeps the
flavour of the nearest outgoing hard parton instead. Hadronic decays are forced so every event
can yield a signal jet; invisible Z decays recoil against the signal boson where a partner is
needed. Add a process with :func:`register`.

Each 2 → 2 recipe has a default generator-level p̂_T window in units of the jet window
(``pthat_factors``: lower edge × pt_min, upper edge × pt_max) and the measured share of the
jets in a 550–650 GeV window that it never generates (``window_loss``; BENCHMARKS.md, "Jets lost
to the generator-level p̂_T window"). For QCD dijets and Z + jet the window keeps all but
< 1 %. For tt̄ and Z H no window does at a bearable cost: their final state has no light parton,
so Pythia's default power shower lets initial-state radiation run up to the kinematic limit and
kick a soft tt̄ / ZH system into the window — 0.85 % of the window tops still come from
p̂_T < 50 GeV, where a window costs ~150 × the events. :func:`jetxai.generate.generate` warns
with the measured share when such a process runs with its default window.
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
        pthat_factors: default p̂_T window as (× pt_min, × pt_max); ``None`` for a process
            without a p̂_T cut (an s-channel resonance).
        window_loss: measured share of the jets in the 550–650 GeV window that the default
            window never generates (``None`` without a window).
    """

    name: str
    label: int
    parent: int | None
    settings: Callable[[GeneratorConfig], list[str]]
    description: str
    pthat_factors: tuple[float, float] | None = None
    window_loss: float | None = None


PROCESSES: dict[str, Process] = {}


def register(process: Process) -> Process:
    """Add ``process`` to :data:`PROCESSES` (its name must be new)."""
    if process.name in PROCESSES:
        raise ValueError(f"process {process.name!r} is already registered")
    PROCESSES[process.name] = process
    return process


def _pthat(config: GeneratorConfig) -> list[str]:
    window = config.pthat_window
    if window is None:
        raise ValueError(f"process {config.process!r} has no p̂_T window")
    low, high = window
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


#: Shares lost are from ``bench/generate_bench.py pthat`` (QCD, Z: against a [0.45, 2] reference
#: whose own lowest bin holds ≤ 0.15 %) and ``pthat-tail`` (tt̄, ZH: down to p̂_T = 0).
register(
    Process(
        "top",
        LABELS["top"],
        6,
        _top,
        "tt̄ with hadronic W decays (t → b q q̄′)",
        pthat_factors=(0.55, 1.5),
        window_loss=0.14,
    )
)
register(Process("w", LABELS["w"], 24, _w, "W′ → W Z, W → q q̄′, Z → ν ν̄"))
register(
    Process(
        "z",
        LABELS["z"],
        23,
        _z,
        "Z + jet, Z → q q̄",
        pthat_factors=(0.6, 1.3),
        window_loss=0.005,
    )
)
register(
    Process(
        "higgs",
        LABELS["higgs"],
        25,
        _higgs,
        "Z H, H → b b̄, Z → ν ν̄",
        pthat_factors=(0.55, 1.5),
        window_loss=0.10,
    )
)
register(
    Process(
        "qcd",
        LABELS["qcd"],
        None,
        _qcd,
        "QCD dijets (quark and gluon jets)",
        pthat_factors=(0.55, 1.5),
        window_loss=0.008,
    )
)
