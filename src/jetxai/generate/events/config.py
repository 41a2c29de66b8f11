"""Event-level generator configuration: the process, the object definitions and the selection."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from jetxai.catalogue import Level
from jetxai.errors import InputError
from jetxai.generate.config import ConfigRecord, Selector


@dataclass(frozen=True)
class EventConfig(ConfigRecord):
    """Everything that determines a generated event-level dataset.

    Objects are defined at generator level from Pythia's final state (see
    :mod:`jetxai.generate.events.objects`); an event is kept when it has exactly one isolated
    lepton, at least ``min_jets`` jets and at least ``min_bjets`` b-tagged jets. As for jets, chunk
    ``i`` depends on ``(seed, i)`` alone, so the data do not depend on the number of workers.

    Attributes:
        process: an event-level process of :data:`jetxai.catalogue.PROCESSES`.
        n_events: number of selected events to store.
        seed: base random seed (Pythia and the b-tagging draws).
        sqrt_s: centre-of-mass energy in GeV.
        mass: heavy-quark mass of the ``vlq`` signal in GeV.
        pthat_min: generator-level p̂_T cut for the 2 → 2 backgrounds (GeV); ``None`` takes the
            process's own default (documented in :mod:`jetxai.catalogue.events`).
        lepton_pt_min, lepton_eta_max: electron/muon acceptance.
        isolation_radius, isolation_max: a lepton is isolated when the scalar p_T sum of the
            other visible particles within ``isolation_radius`` is below ``isolation_max`` × its
            p_T.
        radius, jet_pt_min, jet_eta_max: anti-kT jets of visible particles (isolated leptons
            excluded).
        btag_radius: a jet is b- (c-) labelled when a b (c) hadron lies within this ΔR.
        btag_eff, ctag_eff, mistag: probabilities that a b-, c- or light-labelled jet is tagged.
        min_jets, min_bjets: the selection.
        chunk_size: events per chunk file; batch_size: events per ``Pythia.nextBatch`` call.
        pythia: extra Pythia settings, ``"Key = value"``, applied after the process's own.
        split: ``train``, ``val`` or ``test`` to mark every event as that part of the split.
    """

    level: ClassVar[Level] = "event"
    kind: ClassVar[str] = "events"
    unknown_options: ClassVar[str] = "not an event-level generator option"
    process_kind: ClassVar[str] = "event-level process"
    weighted: ClassVar[bool] = True

    process: str
    n_events: int
    seed: int = 1
    sqrt_s: float = 14_000.0
    mass: float = 1_200.0
    pthat_min: float | None = None
    lepton_pt_min: float = 30.0
    lepton_eta_max: float = 2.5
    isolation_radius: float = 0.3
    isolation_max: float = 0.15
    radius: float = 0.4
    jet_pt_min: float = 30.0
    jet_eta_max: float = 2.5
    btag_radius: float = 0.3
    btag_eff: float = 0.70
    ctag_eff: float = 0.10
    mistag: float = 0.01
    min_jets: int = 3
    min_bjets: int = 1
    chunk_size: int = 1_000
    batch_size: int = 100
    pythia: tuple[str, ...] = field(default_factory=tuple)
    split: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "pythia", tuple(self.pythia))
        self._check()

    @property
    def n_items(self) -> int:
        """Number of records the dataset holds (events)."""
        return self.n_events

    @property
    def n_chunks(self) -> int:
        """Number of chunk files the dataset consists of."""
        return math.ceil(self.n_events / self.chunk_size)

    def chunk_items(self, index: int) -> int:
        """Number of events chunk ``index`` holds (the last one takes the remainder)."""
        return min(self.chunk_size, self.n_events - index * self.chunk_size)

    def selection_text(self) -> str:
        """The selection in words, for error messages."""
        return (
            f"1 isolated lepton (pT > {self.lepton_pt_min}), >= {self.min_jets} jets "
            f"(pT > {self.jet_pt_min}), >= {self.min_bjets} b-tags"
        )

    def selector(self, index: int) -> Selector:
        """Selected events of each batch (at most one record per event) and the cut flow."""
        import numpy as np

        from jetxai.generate.events.record import select_events

        # b-tagging draws: their own stream, also a function of (seed, index) alone
        rng = np.random.default_rng([self.seed, index, 1])
        return lambda batch: select_events(batch, self, rng)

    def _check(self) -> None:
        self._check_process()
        self._check_counts(("n_events", "chunk_size", "batch_size"))
        self._check_chunks()
        self._check_counts(("min_jets", "min_bjets"), minimum=0)
        if self.min_bjets > self.min_jets:
            raise InputError(f"min_bjets ({self.min_bjets}) exceeds min_jets ({self.min_jets})")
        self._check_seed()
        positive = (
            "sqrt_s",
            "mass",
            "lepton_eta_max",
            "isolation_radius",
            "radius",
            "jet_eta_max",
            "btag_radius",
        )
        self._check_positive(positive)
        for name in ("lepton_pt_min", "jet_pt_min", "isolation_max"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InputError(f"{name} must be non-negative and finite, got {value}")
        for name in ("btag_eff", "ctag_eff", "mistag"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise InputError(f"{name} must be a probability in [0, 1], got {value}")
        if self.pthat_min is not None and not 0 <= self.pthat_min < self.sqrt_s / 2:
            raise InputError(f"pthat_min must be in [0, sqrt_s / 2), got {self.pthat_min}")
        if 2 * self.mass >= self.sqrt_s:
            raise InputError(f"a {self.mass} GeV quark pair is out of reach at √s = {self.sqrt_s}")
        self._check_pythia()
        self._check_split()
