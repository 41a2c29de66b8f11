"""Building configured Pythia 8 instances (the only module that imports ``pythia8mc``)."""

from __future__ import annotations

from typing import Any

from jetxai._quiet import quiet_stdout
from jetxai.errors import InputError
from jetxai.generate.config import GeneratorConfig
from jetxai.generate.events.config import EventConfig

#: Either kind of generator configuration.
AnyConfig = GeneratorConfig | EventConfig

#: Largest seed Pythia accepts (``Random:seed``).
MAX_PYTHIA_SEED = 900_000_000


def settings(config: AnyConfig, seed: int | str) -> list[str]:
    """The full, ordered list of Pythia settings for ``config`` with random seed ``seed``."""
    return [
        "Print:quiet = on",
        f"Beams:eCM = {config.sqrt_s}",
        *config.process_settings(),
        *config.generator_settings(),
        "Random:setSeed = on",
        f"Random:seed = {seed}",
        *config.pythia,
    ]


def _configure(pythia: Any, lines: list[str]) -> list[str]:
    return [line for line in lines if not pythia.readString(line)]


def check(config: AnyConfig) -> None:
    """Raise :class:`InputError` if Pythia rejects any setting that ``config`` produces."""
    import pythia8mc

    with quiet_stdout():
        rejected = _configure(pythia8mc.Pythia("", False), settings(config, 1))
    if rejected:
        raise InputError(f"Pythia rejected setting(s): {'; '.join(rejected)}")


def build(config: AnyConfig, seed: int) -> Any:
    """An initialised ``pythia8mc.Pythia`` for ``config`` and ``seed``."""
    import pythia8mc

    with quiet_stdout():
        pythia = pythia8mc.Pythia("", False)
        rejected = _configure(pythia, settings(config, seed))
        ok = not rejected and pythia.init()
    if not ok:
        detail = f"rejected {'; '.join(rejected)}" if rejected else "init() failed"
        raise InputError(f"Pythia could not be set up for {config.process!r}: {detail}")
    return pythia
