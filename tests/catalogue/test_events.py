"""Event processes against Pythia's own reference: the t′ pair against Standard-Model t t̄ at the
same mass and line shape."""

from __future__ import annotations

from typing import Any

import pytest

from jetxai.catalogue.events import heavy_quark_line_shape
from jetxai.generate.events import EventConfig

#: Hard process only: σ needs no shower, hadronisation or decays.
_HARD_ONLY = [
    "Print:quiet = on",
    "Beams:eCM = 14000",
    "PartonLevel:all = off",
    "HadronLevel:all = off",
    "ProcessLevel:resonanceDecays = off",
    "Random:setSeed = on",
    "Random:seed = 7",
]


def _sigma_fb(lines: list[str], events: int = 3000) -> tuple[float, Any]:
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for line in [*_HARD_ONLY, *lines]:
        assert pythia.readString(line), line
    assert pythia.init()
    for _ in range(events):
        pythia.next()
    return pythia.infoPython().sigmaGen() * 1e12, pythia


def test_vlq_pair_cross_section_equals_top_pairs_at_the_same_mass() -> None:
    # gg, qq̄ → Q Q̄ is the same QCD process for t′ and t: with the same mass, width and window
    # Pythia's two cross-sections agree to a few per cent (a degenerate t′ mass range lost 3/4)
    mass = 1200.0
    config = EventConfig(process="vlq", n_events=1, mass=mass)
    settings = config.process_settings()
    vlq, pythia = _sigma_fb(settings)
    w_decays = [line for line in settings if line.startswith("24:")]  # the same closed channels
    width = pythia.particleData.mWidth(8)
    assert 1.0 < width < 20.0  # recomputed by Pythia: 5.4 GeV at 1.2 TeV
    top, _ = _sigma_fb(
        [
            "Top:gg2ttbar = on",
            "Top:qqbar2ttbar = on",
            *heavy_quark_line_shape(6, mass),
            f"6:mWidth = {width}",
            "6:doForceWidth = on",
            *w_decays,
        ]
    )
    assert vlq == pytest.approx(top, rel=0.10)
