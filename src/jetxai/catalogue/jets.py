"""Jet-level processes: the Pythia 8 settings that make each kind of boosted jet.

Each recipe names its truth parent (|PDG id|) for signal matching; ``qcd`` has none and keeps the
flavour of the nearest outgoing hard parton instead. Hadronic decays are forced so every event
can yield a signal jet; invisible Z decays recoil against the signal boson where a partner is
needed. Add a process with one decorated recipe (:func:`jetxai.catalogue.process`).

Each 2 → 2 recipe has a default generator-level p̂_T window in units of the jet window
(``pthat_factors``: lower edge × pt_min, upper edge × pt_max) and the measured share of the
jets in a 550–650 GeV window that it never generates (``window_loss``; BENCHMARKS.md, "Jets lost
to the generator-level p̂_T window"). For QCD dijets and Z + jet the window keeps all but
< 1 %. For tt̄ and Z H no window does at a bearable cost: their final state has no light parton,
so Pythia's default power shower lets initial-state radiation run up to the kinematic limit and
kick a soft tt̄ / ZH system into the window — 0.7 % of the window tops still come from
p̂_T < 50 GeV, where a window costs ~150× the events. :func:`jetxai.generate.generate` warns
with the measured share when such a process runs with its default window.
"""

from __future__ import annotations

from typing import Any

from jetxai.catalogue import process

_HADRONIC_W = ["24:onMode = off", "24:onIfAny = 1 2 3 4 5"]
_HADRONIC_Z = ["23:onMode = off", "23:onIfAny = 1 2 3 4 5"]
_INVISIBLE_Z = ["23:onMode = off", "23:onIfAny = 12 14 16"]


def _pthat(config: Any) -> list[str]:
    window = config.pthat_window
    if window is None:
        raise ValueError(f"process {config.process!r} has no p̂_T window")
    low, high = window
    return [f"PhaseSpace:pTHatMin = {low}", f"PhaseSpace:pTHatMax = {high}"]


# Shares lost are from ``bench/generate_bench.py pthat`` (QCD, Z: against a [0.45, 2] reference
# whose own lowest bin holds ≤ 0.15 %) and ``pthat-tail`` (tt̄, ZH: down to p̂_T = 0).


@process(
    "top",
    1,
    "signal",
    "jet",
    "tt̄ with hadronic W decays (t → b q q̄′)",
    parent=6,
    pthat_factors=(0.55, 1.5),
    window_loss=0.14,
    bias_power=2.0,  # the power shower's heavy-weight tail: p = 4 costs 10× the events
)
def _top(config: Any) -> list[str]:
    return ["Top:gg2ttbar = on", "Top:qqbar2ttbar = on", *_HADRONIC_W, *_pthat(config)]


@process("w", 2, "signal", "jet", "W′ → W Z, W → q q̄′, Z → ν ν̄", parent=24, title="W")
def _w(config: Any) -> list[str]:
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


@process(
    "z",
    3,
    "signal",
    "jet",
    "Z + jet, Z → q q̄",
    parent=23,
    title="Z",
    pthat_factors=(0.6, 1.3),
    window_loss=0.005,
    bias_power=5.0,  # 1.3× the effective Z bosons per event of p = 4 (parton level)
)
def _z(config: Any) -> list[str]:
    return [
        "WeakBosonAndParton:qqbar2gmZg = on",
        "WeakBosonAndParton:qg2gmZq = on",
        "WeakZ0:gmZmode = 2",
        *_HADRONIC_Z,
        *_pthat(config),
    ]


@process(
    "higgs",
    4,
    "signal",
    "jet",
    "Z H, H → b b̄, Z → ν ν̄",
    parent=25,
    title="Higgs",
    pthat_factors=(0.55, 1.5),
    window_loss=0.09,
    bias_power=2.0,  # as for tt̄ (p = 4: 4.5× the events per effective jet)
)
def _higgs(config: Any) -> list[str]:
    return [
        "HiggsSM:ffbar2HZ = on",
        "25:onMode = off",
        "25:onIfMatch = 5 -5",
        *_INVISIBLE_Z,
        *_pthat(config),
    ]


@process(
    "qcd",
    0,
    "background",
    "jet",
    "QCD dijets (quark and gluon jets)",
    title="QCD",
    pthat_factors=(0.55, 1.5),
    window_loss=0.008,
    bias_power=6.0,  # its steeper spectrum: 1.7× the effective jets per event of p = 4
)
def _qcd(config: Any) -> list[str]:
    return ["HardQCD:all = on", *_pthat(config)]
