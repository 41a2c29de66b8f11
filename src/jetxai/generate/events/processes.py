"""Registered event-level processes: a heavy-quark signal and Standard Model backgrounds.

All four give a single-lepton final state through W → e ν / μ ν (τ decays are closed, so the
"lepton" is an electron or a muon); the selection (:mod:`.record`) then keeps events with exactly
one isolated lepton, jets and b-tags. Pythia's cross-section (``sigmaGen``) already includes the
closed decay channels and the generator-level cut, so the stored weights are yields in the
phase space actually generated.

=========  ==========================================================  ===========================
process    hard process (Pythia 8)                                     generator-level cut
=========  ==========================================================  ===========================
vlq        t′ t̄′ (``FourthTop:gg2tPrimetPrimebar``, ``qqbar2…``),      none (mass ``mass``,
           t′ → W b; W → q q̄′, e ν, μ ν                                default 1.2 TeV)
ttbar      t t̄ (``Top:gg2ttbar``, ``Top:qqbar2ttbar``),                 p̂_T > 400 GeV
           W → q q̄′, e ν, μ ν
wjets      W + jet (``WeakBosonAndParton:qqbar2Wg``, ``qg2Wq``),         p̂_T > 400 GeV
           W → e ν, μ ν
singletop  t-channel single top (``Top:qq2tq(t:W)``), W → e ν, μ ν       p̂_T > 200 GeV
=========  ==========================================================  ===========================

The signal is a stand-in: Pythia has no vector-like-quark model, but its fourth-generation t′
pair production with t′ → W b has the same topology as a vector-like T decaying to b W. The b′
is moved above the t′ so that t′ → W b′ is closed; t′ → W b is then 99 % (W s, W d the rest)
and the t′ is 5.4 GeV wide at 1.2 TeV. Cross-sections are Pythia's leading-order values
(2.6 fb for the 1.2 TeV t′ pair after the W branching fractions).

The p̂_T cuts put the backgrounds where the 1.2 TeV signal lives (H_T ≳ 1 TeV) instead of
spending events on the soft bulk; the price is that the samples describe only that part of each
background, which the stored cross-section says. Add a process with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jetxai.data.schema import LABELS

if TYPE_CHECKING:
    from jetxai.generate.events.config import EventConfig

#: W → hadrons, e ν, μ ν (one leptonic W of two gives the single-lepton final state).
_W_HADRONS_OR_LIGHT_LEPTONS = ["24:onMode = off", "24:onIfAny = 1 2 3 4 5 11 13"]
#: W → e ν, μ ν (the process's only W must give the lepton).
_W_LIGHT_LEPTONS = ["24:onMode = off", "24:onIfAny = 11 13"]


@dataclass(frozen=True)
class EventProcess:
    """A named event source.

    Attributes:
        name: registry key and the value of the ``process`` column.
        label: integer class label stored with every event.
        settings: config → Pythia settings for the hard process, decays and cuts.
        pthat_min: default generator-level p̂_T cut (GeV), ``None`` for none.
        description: one line for ``--help`` and the docs.
    """

    name: str
    label: int
    settings: Callable[[EventConfig], list[str]]
    pthat_min: float | None
    description: str

    def pthat_cut(self, config: EventConfig) -> list[str]:
        """The p̂_T setting: the config's value when given, else the process default."""
        value = self.pthat_min if config.pthat_min is None else config.pthat_min
        return [] if value is None else [f"PhaseSpace:pTHatMin = {value}"]


EVENT_PROCESSES: dict[str, EventProcess] = {}


def register(process: EventProcess) -> EventProcess:
    """Add ``process`` to :data:`EVENT_PROCESSES` (its name must be new)."""
    if process.name in EVENT_PROCESSES:
        raise ValueError(f"event process {process.name!r} is already registered")
    EVENT_PROCESSES[process.name] = process
    return process


def _vlq(config: EventConfig) -> list[str]:
    return [
        "FourthTop:gg2tPrimetPrimebar = on",
        "FourthTop:qqbar2tPrimetPrimebar = on",
        f"8:m0 = {config.mass}",
        # b′ out of reach, so t′ → W b′ is closed (Pythia's default b′ is 400 GeV and the
        # fourth-generation mixing would make that the main channel, 376 GeV wide at 1.2 TeV)
        f"7:m0 = {config.mass + 1000.0}",
        *_W_HADRONS_OR_LIGHT_LEPTONS,
        *EVENT_PROCESSES["vlq"].pthat_cut(config),
    ]


def _ttbar(config: EventConfig) -> list[str]:
    return [
        "Top:gg2ttbar = on",
        "Top:qqbar2ttbar = on",
        *_W_HADRONS_OR_LIGHT_LEPTONS,
        *EVENT_PROCESSES["ttbar"].pthat_cut(config),
    ]


def _wjets(config: EventConfig) -> list[str]:
    return [
        "WeakBosonAndParton:qqbar2Wg = on",
        "WeakBosonAndParton:qg2Wq = on",
        *_W_LIGHT_LEPTONS,
        *EVENT_PROCESSES["wjets"].pthat_cut(config),
    ]


def _singletop(config: EventConfig) -> list[str]:
    return [
        "Top:qq2tq(t:W) = on",
        *_W_LIGHT_LEPTONS,
        *EVENT_PROCESSES["singletop"].pthat_cut(config),
    ]


register(EventProcess("vlq", LABELS["vlq"], _vlq, None, "t′ t̄′ → b W b W (VLQ stand-in)"))
register(EventProcess("ttbar", LABELS["ttbar"], _ttbar, 400.0, "t t̄, p̂_T > 400 GeV"))
register(EventProcess("wjets", LABELS["wjets"], _wjets, 400.0, "W(→ ℓν) + jet, p̂_T > 400 GeV"))
register(
    EventProcess(
        "singletop", LABELS["singletop"], _singletop, 200.0, "t-channel t, W → ℓν, p̂_T > 200 GeV"
    )
)
