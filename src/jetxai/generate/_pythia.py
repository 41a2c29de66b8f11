"""Building configured Pythia 8 instances (the only module that imports ``pythia8mc``)."""

from __future__ import annotations

import functools
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


@functools.cache
def _classes() -> tuple[type, type]:
    """The generator (a ``pythia8mc.Pythia`` that holds its user hook) and the parton-level
    pre-selection hook; defined on first use, so importing jetxai does not load Pythia."""
    import pythia8mc

    class Generator(pythia8mc.Pythia):
        """A Pythia instance with its pre-selection (``None`` without one): Pythia keeps
        only a pointer to a user hook, so the hook lives as long as the generator does."""

        preselection: Any = None

    class PartonPreselection(pythia8mc.UserHooks):
        """Vetoes an event after its parton level, before hadronisation, unless an anti-kT
        jet of its visible final-state partons passes ``cut`` (a
        :class:`jetxai.generate.config.PartonCut`). Pythia then draws a new event and
        lowers its cross-section estimate by the vetoed share (``sigmaGen``), so the yields
        and weights stay right; the hook counts the events it saw and vetoed."""

        def __init__(self, cut: Any) -> None:
            super().__init__()
            # anti-kT (power -1), every final particle but neutrinos (select 2), FastJet core
            self.jets = pythia8mc.SlowJet(-1, cut.radius, cut.pt_floor, _ANY_ETA, 2, 2)
            self.y_max = cut.y_max
            self.showered = 0
            self.vetoed = 0

        def canVetoPartonLevel(self) -> bool:
            return True

        def doVetoPartonLevel(self, event: Any) -> bool:
            jets = self.jets
            if self.showered == 0:
                with quiet_stdout():  # FastJet's banner, printed on its first use
                    jets.analyze(event)
            else:
                jets.analyze(event)
            self.showered += 1
            keep = any(abs(jets.y(i)) < self.y_max for i in range(jets.sizeJet()))
            self.vetoed += not keep
            return not keep

    return Generator, PartonPreselection


#: SlowJet's particle |η| limit, set beyond any particle (the cut is on the jets' rapidity).
_ANY_ETA = 100.0


def build(config: AnyConfig, seed: int) -> Any:
    """An initialised ``pythia8mc.Pythia`` for ``config`` and ``seed``; with the config's
    parton-level pre-selection (``config.parton_cut``) as its user hook, held in its
    ``preselection`` attribute (``None`` without)."""
    generator, preselection = _classes()
    cut = config.parton_cut
    with quiet_stdout():
        pythia = generator("", False)
        rejected = _configure(pythia, settings(config, seed))
        if cut is not None:
            pythia.preselection = preselection(cut)
            pythia.setUserHooksPtr(pythia.preselection)
        ok = not rejected and pythia.init()
    if not ok:
        detail = f"rejected {'; '.join(rejected)}" if rejected else "init() failed"
        raise InputError(f"Pythia could not be set up for {config.process!r}: {detail}")
    return pythia
