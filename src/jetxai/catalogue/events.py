"""Event-level processes: a heavy-quark signal and Standard Model backgrounds.

All four give a single-lepton final state through W → e ν / μ ν (τ decays are closed, so the
"lepton" is an electron or a muon); the selection (:mod:`jetxai.generate.events.record`) then
keeps events with exactly one isolated lepton, jets and b-tags. Pythia's cross-section
(``sigmaGen``) already includes the closed decay channels and the generator-level cut, so the
stored weights are yields in the phase space actually generated.

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
and the t′ is 5.4 GeV wide at 1.2 TeV. The t′ line shape is a Breit–Wigner sampled in a
symmetric window m ± :data:`VLQ_MASS_WINDOW` · m: with only ``8:m0`` set, Pythia keeps a
zero nominal width and a degenerate mass range [m, m] and loses three quarters of σ (3.25 fb
instead of 13.2 fb for the bare pair at 1.2 TeV). With the window, σ(t′ t̄′) is within 8 % of
Pythia's Standard-Model t t̄ at the same mass, width and window (13.24 fb against 12.29 fb; the
test suite checks it). Cross-sections are Pythia's leading-order values (10.5 fb for the 1.2 TeV
t′ pair after the W branching fractions).

The p̂_T cuts put the backgrounds where the 1.2 TeV signal lives (H_T ≳ 1 TeV) instead of
spending events on the soft bulk; the price is that the samples describe only that part of each
background, which the stored cross-section says. Add a process with one decorated recipe.
"""

from __future__ import annotations

from typing import Any

from jetxai.catalogue import PROCESSES, process

#: The event selection's cut-flow stages, in order (each count includes the previous cuts;
#: applied by :mod:`jetxai.generate.events.record`).
STAGES = ("generated", "one_lepton", "jets", "bjets")
#: The stages as table heads.
STAGE_NAMES = {
    "generated": "generated",
    "one_lepton": "1 lepton",
    "jets": "≥ jets",
    "bjets": "≥ b-tags",
}


def _pthat_cut(config: Any) -> list[str]:
    """The p̂_T setting: the config's value when given, else the process default."""
    value = PROCESSES[config.process].pthat_min if config.pthat_min is None else config.pthat_min
    return [] if value is None else [f"PhaseSpace:pTHatMin = {value}"]


#: W → hadrons, e ν, μ ν (one leptonic W of two gives the single-lepton final state).
_W_HADRONS_OR_LIGHT_LEPTONS = ["24:onMode = off", "24:onIfAny = 1 2 3 4 5 11 13"]
#: Half-width of the t′ mass window, as a fraction of the mass.
VLQ_MASS_WINDOW = 0.1
#: A starting width for the t′ (GeV per GeV of mass); Pythia recomputes the width at init, but
#: a zero width would keep the mass fixed.
_VLQ_WIDTH_SEED = 0.01

#: W → e ν, μ ν (the process's only W must give the lepton).
_W_LIGHT_LEPTONS = ["24:onMode = off", "24:onIfAny = 11 13"]


def heavy_quark_line_shape(pdg_id: int, mass: float) -> list[str]:
    """Pythia settings for a Breit–Wigner of ``pdg_id`` around ``mass`` in a symmetric window
    (the width itself is recomputed by Pythia at init)."""
    half = VLQ_MASS_WINDOW * mass
    return [
        f"{pdg_id}:m0 = {mass}",
        f"{pdg_id}:mWidth = {_VLQ_WIDTH_SEED * mass}",
        f"{pdg_id}:mMin = {mass - half}",
        f"{pdg_id}:mMax = {mass + half}",
    ]


@process("vlq", 12, "signal", "event", "t′ t̄′ → b W b W (VLQ stand-in)")
def _vlq(config: Any) -> list[str]:
    return [
        "FourthTop:gg2tPrimetPrimebar = on",
        "FourthTop:qqbar2tPrimetPrimebar = on",
        *heavy_quark_line_shape(8, config.mass),
        # b′ out of reach, so t′ → W b′ is closed (Pythia's default b′ is 400 GeV and the
        # fourth-generation mixing would make that the main channel, 376 GeV wide at 1.2 TeV)
        f"7:m0 = {config.mass + 1000.0}",
        *_W_HADRONS_OR_LIGHT_LEPTONS,
        *_pthat_cut(config),
    ]


@process("ttbar", 13, "background", "event", "t t̄, p̂_T > 400 GeV", pthat_min=400.0)
def _ttbar(config: Any) -> list[str]:
    return [
        "Top:gg2ttbar = on",
        "Top:qqbar2ttbar = on",
        *_W_HADRONS_OR_LIGHT_LEPTONS,
        *_pthat_cut(config),
    ]


@process("wjets", 14, "background", "event", "W(→ ℓν) + jet, p̂_T > 400 GeV", pthat_min=400.0)
def _wjets(config: Any) -> list[str]:
    return [
        "WeakBosonAndParton:qqbar2Wg = on",
        "WeakBosonAndParton:qg2Wq = on",
        *_W_LIGHT_LEPTONS,
        *_pthat_cut(config),
    ]


@process(
    "singletop",
    15,
    "background",
    "event",
    "t-channel t, W → ℓν, p̂_T > 200 GeV",
    pthat_min=200.0,
)
def _singletop(config: Any) -> list[str]:
    return [
        "Top:qq2tq(t:W) = on",
        *_W_LIGHT_LEPTONS,
        *_pthat_cut(config),
    ]
