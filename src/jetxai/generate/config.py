"""Generator configuration: validated frozen dataclasses (jets here, events in :mod:`.events`) and
what they share."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, Self

from jetxai._registry import choose
from jetxai.catalogue import PROCESSES, Level, at_level
from jetxai.data.schema import SPLIT_CODES
from jetxai.errors import InputError
from jetxai.generate.jets import select_jets

#: batch → (records with a batch-local ``event_id``, per-event cumulative cut masks or None).
Selector = Callable[[Any], tuple[Any, dict[str, Any] | None]]

#: Largest number of records (or chunk size, batch size) a config takes.
MAX_ITEMS = 10**9
#: Largest number of chunk files a dataset is split into.
MAX_CHUNKS = 100_000
#: Pythia settings jetxai owns (lower case): the per-chunk random seeds.
_RESERVED = ("random:seed", "random:setseed")

#: How a jet-level 2 → 2 process samples p̂_T: ``window`` (unweighted, in the process's default
#: window) or ``biased`` (Pythia's ``PhaseSpace:bias2Selection`` over a wide range, every jet
#: carrying its event's weight).
PTHAT_SAMPLINGS = ("window", "biased")
#: Biased sampling's p̂_T range: from this edge in GeV (the tt̄ and ZH window jets below it are
#: 0.7 % and 0.6 %, ``bench/generate_bench.py pthat-tail``) to this factor × pt_max.
BIASED_PTHAT_MIN = 50.0
BIASED_PTHAT_MAX_FACTOR = 2.0
#: Initial-state shower choices (tune choices, recorded in the manifest): ``default``
#: (Pythia's: processes without a light final-state parton shower up to the kinematic limit,
#: damped above the factorisation scale only with two tops or new coloured particles in the
#: final state, ``SpaceShower:pTdampMatch = 3``), ``damped`` (that damping for every such
#: process, ``pTdampMatch = 1``: for tt̄ the same as the default, for Z H not) or ``wimpy``
#: (no emission above the factorisation scale, ``SpaceShower:pTmaxMatch = 1``).
ISR_CHOICES = {
    "default": (),
    "damped": ("SpaceShower:pTdampMatch = 1",),
    "wimpy": ("SpaceShower:pTmaxMatch = 1",),
}

#: Which events go on to hadronisation: ``none`` (every one) or ``parton`` (only those whose
#: parton-level final state holds a jet that could end in the window, :class:`PartonCut`).
PRESELECTIONS = ("none", "parton")
#: The parton-level pre-selection keeps an event whose visible final-state partons make an
#: anti-kT jet (the dataset's R) with pT ≥ this × pt_min and |y| < eta_max + R. Hadron-level
#: window jets come from events whose hardest such parton-level jet is at least ~PARTON_SEEN
#: × pt_min (``bench/generate_bench.py preselect-margin``); this floor sits below it.
PARTON_PT_FRACTION = 0.7


class PartonCut(NamedTuple):
    """The parton-level pre-selection: keep an event with an anti-kT jet of radius ``radius``,
    pT ≥ ``pt_floor`` (GeV) and |y| < ``y_max``."""

    radius: float
    pt_floor: float
    y_max: float


class ConfigRecord:
    """What every generator configuration (a frozen dataclass) shares: JSON round trip and the
    checks of counts, seed, real-valued options and extra Pythia settings."""

    #: Start of the error for keys :meth:`from_dict` does not know.
    unknown_options: ClassVar[str] = "unknown generator option(s)"
    #: The catalogue level this config generates (``jet`` or ``event``).
    level: ClassVar[Level]
    #: What the dataset stores: ``jets`` or ``events``.
    kind: ClassVar[str]
    #: Whether each record carries a cross-section weight (written once every chunk is done).
    weighted: ClassVar[bool] = False
    #: How an unknown process is named in the error (``process``, ``event-level process``).
    process_kind: ClassVar[str] = "process"
    process: str
    pythia: tuple[str, ...]
    seed: int
    split: str | None

    def process_settings(self) -> list[str]:
        """The catalogue recipe's Pythia settings for this config."""
        recipe = PROCESSES[self.process].recipe
        assert recipe is not None  # every generated process has one
        return recipe(self)

    def _check_process(self) -> None:
        choose(self.process, at_level(self.level), self.process_kind)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (round-trips through :meth:`from_dict`)."""
        data = dataclasses.asdict(self)  # type: ignore[call-overload]
        data["pythia"] = list(self.pythia)
        return data

    def identity(self) -> dict[str, Any]:
        """What determines the generated records (hashed to recognise a run's chunks); an unset
        ``split`` is left out, so datasets made before it existed keep their identity."""
        data = self.to_dict()
        if data.get("split") is None:
            data.pop("split", None)
        return data

    def _check_split(self) -> None:
        if self.split is not None:
            choose(self.split, SPLIT_CODES, "split")

    def caveats(self) -> list[str]:
        """Known limits of the sample this config makes, one sentence each."""
        return []

    def generator_settings(self) -> list[str]:
        """Pythia settings of the generator's options (sampling, shower), after the process's."""
        return []

    @property
    def jet_weights(self) -> bool:
        """Whether each stored jet carries its event's generator weight (biased sampling)."""
        return False

    @property
    def parton_cut(self) -> PartonCut | None:
        """The parton-level pre-selection of events before hadronisation (``None``: none)."""
        return None

    def selector(self, index: int) -> Selector:
        """The selection of chunk ``index``: batch → (records, per-event cut masks or None)."""
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Rebuild a config from :meth:`to_dict` output; unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"{cls.unknown_options}: {', '.join(unknown)}")
        return cls(**data)

    def _check_counts(self, names: Iterable[str], minimum: int = 1) -> None:
        word = "positive" if minimum == 1 else "non-negative"
        for name in names:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
                raise InputError(f"{name} must be a {word} integer, got {value!r}")
            if value > MAX_ITEMS:
                raise InputError(f"{name} must be at most {MAX_ITEMS}, got {value}")

    def _check_chunks(self) -> None:
        chunks = self.n_chunks  # type: ignore[attr-defined]
        if chunks > MAX_CHUNKS:
            raise InputError(f"{chunks} chunks is more than {MAX_CHUNKS}; raise the chunk size")

    def _check_seed(self) -> None:
        if not 0 <= self.seed <= 2**63 - 1:
            raise InputError(f"seed must be a non-negative integer, got {self.seed}")

    def _check_positive(self, names: Iterable[str]) -> None:
        for name in names:
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise InputError(f"{name} must be positive and finite, got {value}")

    def _check_pythia(self) -> None:
        for setting in self.pythia:
            if not isinstance(setting, str) or "=" not in setting:
                raise InputError(f"Pythia setting {setting!r} is not of the form 'Key = value'")
            key = setting.split("=", 1)[0].strip().lower()
            if key in _RESERVED:
                raise InputError(
                    f"Pythia setting {setting!r} is set by jetxai: every chunk gets its own seed "
                    "from --seed (a fixed Pythia seed would repeat the same events in every chunk)"
                )


@dataclass(frozen=True)
class GeneratorConfig(ConfigRecord):
    """Everything that determines a generated jet dataset.

    Two runs with equal configs write identical data, whatever the number of workers: chunk
    ``i`` is generated from a seed derived from ``(seed, i)`` alone.

    Attributes:
        process: a jet-level process of :data:`jetxai.catalogue.PROCESSES`.
        n_jets: number of selected jets to store.
        seed: base random seed.
        sqrt_s: centre-of-mass energy in GeV.
        radius: anti-kT distance parameter R.
        eta_max: jets need |η| < eta_max.
        pt_min, pt_max: jets need pt_min ≤ p_T < pt_max (GeV).
        pthat_min, pthat_max: Pythia's p̂_T window for 2 → 2 processes; ``None`` picks the
            process's default (its ``pthat_factors`` × pt_min, × pt_max: chosen so that
            < 1 % of the window's jets are lost where that is affordable, see
            :mod:`jetxai.catalogue.jets`).
        chunk_size: jets per chunk file (the unit of parallel work and of resume).
        batch_size: events per ``Pythia.nextBatch`` call.
        pythia: extra Pythia settings, ``"Key = value"``, applied after the process's own.
        split: ``train``, ``val`` or ``test`` to mark every jet as that part of the
            train / validation / test split (e.g. an extra background sample for testing only);
            unset, training splits the jets itself.
        pthat_sampling: ``window`` (unweighted, in the p̂_T window) or ``biased``: p̂_T from
            :data:`BIASED_PTHAT_MIN` to :data:`BIASED_PTHAT_MAX_FACTOR` × pt_max (unless
            pthat_min / pthat_max say otherwise), events drawn with the bias
            (p̂_T / pt_min)^power (the process's ``bias_power``) and each jet's ``weight``
            undoing it (pb: the weights sum to the selected jets' yield per pb⁻¹).
        isr: a key of :data:`ISR_CHOICES`.
        preselect: ``parton`` to hadronise only the events whose parton-level final state
            could give a window jet (:attr:`parton_cut`; statistically equivalent and
            cheaper, ``bench/generate_bench.py preselect``) or ``none``.
    """

    #: Options added after datasets were made: left out of the record at their default, so
    #: older datasets keep their identity and resume.
    _LATER_OPTIONS: ClassVar[dict[str, str]] = {
        "pthat_sampling": "window",
        "isr": "default",
        "preselect": "none",
    }

    level: ClassVar[Level] = "jet"
    kind: ClassVar[str] = "jets"

    process: str
    n_jets: int
    seed: int = 1
    sqrt_s: float = 14_000.0
    radius: float = 0.8
    eta_max: float = 2.0
    pt_min: float = 550.0
    pt_max: float = 650.0
    pthat_min: float | None = None
    pthat_max: float | None = None
    chunk_size: int = 2_000
    batch_size: int = 100
    pythia: tuple[str, ...] = field(default_factory=tuple)
    split: str | None = None
    pthat_sampling: str = "window"
    isr: str = "default"
    preselect: str = "none"

    def __post_init__(self) -> None:
        object.__setattr__(self, "pythia", tuple(self.pythia))
        self._check()

    @property
    def pthat_window(self) -> tuple[float, float] | None:
        """The p̂_T window handed to Pythia, defaults resolved; ``None`` for a process without
        one."""
        factors = PROCESSES[self.process].pthat_factors
        if factors is None:
            return None
        if self.jet_weights:
            factors = (BIASED_PTHAT_MIN / self.pt_min, BIASED_PTHAT_MAX_FACTOR)
        low = factors[0] * self.pt_min if self.pthat_min is None else self.pthat_min
        high = factors[1] * self.pt_max if self.pthat_max is None else self.pthat_max
        return low, high

    @property
    def jet_weights(self) -> bool:
        """Whether each jet carries its event's weight (``pthat_sampling="biased"``)."""
        return self.pthat_sampling == "biased"

    @property
    def parton_cut(self) -> PartonCut | None:
        """With ``preselect="parton"``: a jet of R with pT ≥ :data:`PARTON_PT_FRACTION` ×
        pt_min and |y| < eta_max + R at parton level."""
        if self.preselect == "none":
            return None
        return PartonCut(self.radius, PARTON_PT_FRACTION * self.pt_min, self.eta_max + self.radius)

    def generator_settings(self) -> list[str]:
        """The bias of biased sampling (after the process's p̂_T window) and the ISR choice."""
        lines = list(ISR_CHOICES[self.isr])
        if self.jet_weights:
            lines += [
                "PhaseSpace:bias2Selection = on",
                f"PhaseSpace:bias2SelectionPow = {PROCESSES[self.process].bias_power}",
                f"PhaseSpace:bias2SelectionRef = {self.pt_min}",
            ]
        return lines

    @property
    def default_window_loss(self) -> float | None:
        """The measured share of window jets the process's default p̂_T window never
        generates, when this config uses that default (``None`` otherwise: another window, or
        biased sampling, whose wide range loses < 1 %)."""
        if self.pthat_min is not None or self.pthat_max is not None or self.jet_weights:
            return None
        return PROCESSES[self.process].window_loss

    def selector(self, index: int) -> Selector:
        """Jets of each batch (several per event; no cut flow)."""
        return lambda batch: (select_jets(batch, self), None)

    def caveats(self) -> list[str]:
        """The share of window jets the default p̂_T window misses, where it is 1 % or more."""
        loss = self.default_window_loss
        if loss is None or loss < 0.01:
            return []
        low, high = self.pthat_window or (0.0, 0.0)
        return [
            f"{self.process}: the default p̂_T window [{low:.0f}, {high:.0f}] GeV never generates "
            f"about {100 * loss:.0f} % of the jets that would fall in a 550–650 GeV window "
            "(initial-state radiation from softer events, Pythia's power shower); pass "
            "--pthat-min / --pthat-max to choose another window (BENCHMARKS.md has the cost)"
        ]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; options added later are left out at their defaults."""
        data = super().to_dict()
        for name, default in self._LATER_OPTIONS.items():
            if data[name] == default:
                del data[name]
        return data

    def identity(self) -> dict[str, Any]:
        """What determines the generated jets: the options with the p̂_T window resolved (so
        chunks made under another default window are never reused)."""
        return {**super().identity(), "pthat_window": self.pthat_window}

    @property
    def n_items(self) -> int:
        """Number of records the dataset holds (jets)."""
        return self.n_jets

    @property
    def n_chunks(self) -> int:
        """Number of chunk files the dataset consists of."""
        return math.ceil(self.n_jets / self.chunk_size)

    def chunk_items(self, index: int) -> int:
        """Number of jets chunk ``index`` holds (the last one takes the remainder)."""
        return min(self.chunk_size, self.n_jets - index * self.chunk_size)

    def selection_text(self) -> str:
        """The selection in words, for error messages."""
        return f"the pT window [{self.pt_min}, {self.pt_max}] and |eta| < {self.eta_max}"

    def _check(self) -> None:
        self._check_process()
        self._check_counts(("n_jets", "chunk_size", "batch_size"))
        self._check_chunks()
        self._check_seed()
        self._check_positive(("sqrt_s", "radius", "eta_max", "pt_max"))
        if not math.isfinite(self.pt_min) or self.pt_min < 0:
            raise InputError(f"pt_min must be non-negative, got {self.pt_min}")
        if self.pt_min >= self.pt_max:
            raise InputError(f"pT window is empty or inverted: [{self.pt_min}, {self.pt_max}]")
        choose(self.pthat_sampling, PTHAT_SAMPLINGS, "p̂_T sampling")
        choose(self.isr, ISR_CHOICES, "ISR choice")
        choose(self.preselect, PRESELECTIONS, "pre-selection")
        window = self.pthat_window
        if window is None and (self.pthat_min is not None or self.pthat_max is not None):
            raise InputError(
                f"process {self.process!r} has no p̂_T cut (an s-channel resonance): drop "
                "--pthat-min / --pthat-max"
            )
        if window is None and self.jet_weights:
            raise InputError(
                f"process {self.process!r} has no p̂_T cut (an s-channel resonance), so nothing "
                "to bias: drop --pthat-sampling biased"
            )
        if window is not None and not 0 <= window[0] < window[1]:
            raise InputError(f"pT-hat window is empty or inverted: [{window[0]}, {window[1]}]")
        if 2 * self.pt_max > self.sqrt_s:
            raise InputError(f"pt_max {self.pt_max} GeV is out of reach at √s = {self.sqrt_s} GeV")
        self._check_pythia()
        self._check_split()
