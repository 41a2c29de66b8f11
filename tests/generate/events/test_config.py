"""Event-level generator configuration: validation and chunking."""

from __future__ import annotations

from typing import Any

import pytest

from jetxai.errors import InputError
from jetxai.generate._pythia import settings
from jetxai.generate.events import EventConfig

BAD = [
    ({"n_events": 0}, "n_events must be a positive integer"),
    ({"process": "top"}, "unknown event-level process 'top'"),
    ({"btag_eff": 1.5}, "btag_eff must be a probability"),
    ({"mistag": -0.1}, "mistag must be a probability"),
    ({"min_jets": 1, "min_bjets": 2}, "min_bjets (2) exceeds min_jets (1)"),
    ({"radius": 0.0}, "radius must be positive"),
    ({"lepton_pt_min": float("nan")}, "lepton_pt_min must be non-negative"),
    ({"mass": 7_500.0}, "out of reach"),
    ({"pthat_min": -5.0}, "pthat_min must be in"),
    ({"pythia": ("Top:gg2ttbar on",)}, "not of the form 'Key = value'"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_config_is_refused_with_a_clear_message(change: dict[str, Any], message: str) -> None:
    options: dict[str, Any] = {"process": "vlq", "n_events": 10, **change}
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        EventConfig(**options)


def test_chunks_cover_exactly_n_events() -> None:
    config = EventConfig(process="ttbar", n_events=25, chunk_size=10)
    assert config.n_chunks == 3
    assert [config.chunk_items(i) for i in range(3)] == [10, 10, 5]


def test_round_trip_refuses_jet_options() -> None:
    config = EventConfig(process="wjets", n_events=5, mass=1500.0, pythia=("Tune:pp = 14",))
    assert EventConfig.from_dict(config.to_dict()) == config
    with pytest.raises(InputError, match="not an event-level generator option: pt_min"):
        EventConfig.from_dict({**config.to_dict(), "pt_min": 500.0})


def test_generator_cuts_and_mass_reach_pythia() -> None:
    vlq = settings(EventConfig(process="vlq", n_events=1, mass=1500.0), seed=1)
    assert "8:m0 = 1500.0" in vlq
    assert "7:m0 = 2500.0" in vlq  # b′ out of reach: t′ → W b′ closed
    assert not any(s.startswith("PhaseSpace:pTHatMin") for s in vlq)
    ttbar = settings(EventConfig(process="ttbar", n_events=1), seed=1)
    assert "PhaseSpace:pTHatMin = 400.0" in ttbar
    lowered = settings(EventConfig(process="ttbar", n_events=1, pthat_min=250.0), seed=1)
    assert "PhaseSpace:pTHatMin = 250.0" in lowered
