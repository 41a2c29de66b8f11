"""Generator configuration: validation and round-tripping."""

from __future__ import annotations

from typing import Any

import pytest

from jetxai.errors import InputError
from jetxai.generate import GeneratorConfig

BAD = [
    ({"n_jets": -3}, "n_jets must be a positive integer"),
    ({"n_jets": 0}, "n_jets must be a positive integer"),
    ({"process": "tau"}, "unknown process 'tau'"),
    ({"pt_min": 700.0}, "pT window is empty or inverted"),
    ({"radius": 0.0}, "radius must be positive"),
    ({"radius": -0.4}, "radius must be positive"),
    ({"eta_max": float("nan")}, "eta_max must be positive and finite"),
    ({"chunk_size": 0}, "chunk_size must be a positive integer"),
    ({"pthat_min": 900.0}, "pT-hat window is empty or inverted"),
    ({"pt_max": 8_000.0}, "out of reach"),
    ({"pythia": ("Top:gg2ttbar on",)}, "not of the form 'Key = value'"),
    ({"seed": -1}, "seed must be a non-negative integer"),
    ({"pythia": ("Random:seed = 5",)}, "is set by jetxai"),
    ({"pythia": ("random:setSeed=off",)}, "is set by jetxai"),
    ({"n_jets": 10**15}, "n_jets must be at most 1000000000"),
    ({"n_jets": 10**9, "chunk_size": 1}, "chunks is more than 100000"),
    ({"pythia": (5,)}, "not of the form 'Key = value'"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_config_is_refused_with_a_clear_message(change: dict[str, Any], message: str) -> None:
    options: dict[str, Any] = {"process": "top", "n_jets": 10, **change}
    with pytest.raises(InputError, match=message):
        GeneratorConfig(**options)


def test_defaults_follow_the_mission() -> None:
    config = GeneratorConfig(process="top", n_jets=10)
    assert (config.sqrt_s, config.radius, config.eta_max) == (14_000.0, 0.8, 2.0)
    assert (config.pt_min, config.pt_max) == (550.0, 650.0)
    low, high = config.pthat_window
    assert low < config.pt_min
    assert high > config.pt_max


def test_chunks_cover_exactly_n_jets() -> None:
    config = GeneratorConfig(process="qcd", n_jets=25, chunk_size=10)
    assert config.n_chunks == 3
    assert [config.chunk_items(i) for i in range(3)] == [10, 10, 5]


def test_round_trip_and_unknown_keys() -> None:
    config = GeneratorConfig(process="w", n_jets=7, pythia=("Tune:pp = 14",))
    assert GeneratorConfig.from_dict(config.to_dict()) == config
    with pytest.raises(InputError, match="unknown generator option"):
        GeneratorConfig.from_dict({**config.to_dict(), "colour": "red"})
