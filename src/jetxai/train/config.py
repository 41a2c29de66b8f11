"""Training configuration, from Python, CLI flags or a YAML file."""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jetxai._registry import choose
from jetxai.errors import InputError

#: Where training runs: ``auto`` (CUDA when present), ``cpu`` or ``cuda``.
DEVICES = ("auto", "cpu", "cuda")


@dataclass
class TrainConfig:
    """Attributes:
    model: registered tagger name; xaug: XAUG variables for its XAUG branch (or inputs for dnn;
        for event datasets the event features, all of them when left empty).
    seeds: number of independently initialised and shuffled networks; first_seed: the first.
    epochs, batch_size, learning_rate: optimisation (Adam, LR halved when validation stalls).
    patience: epochs without validation-loss improvement before stopping early.
    val_fraction, test_fraction: split of the jets, drawn once with ``split_seed``.
    signal: processes counted as signal (default: every process but qcd and gluon).
    classes: a multi-class tagger over these processes (one softmax logit each; ``["all"]``:
        every process in the data), instead of a binary one; jets of other processes are left
        out.
    n_constituents, image_bins: low-level input sizes.
    constituent_fields: per-constituent features of constituent models (``None``: the model's
        own, without those that need particle identity when the data carry none).
    options: extra constructor options for the model (hidden sizes, …).
    preset: a named option set of the model (``paper``: the published architecture, for
        ``particlenet``); ``options`` change single options of it.
    device: "auto" (GPU when present), "cpu" or "cuda".
    precision: "fp32", or "bf16" (autocast of the forward pass; for GPUs).
    nproc: local training processes (DistributedDataParallel; the batch is the global one).
    """

    model: str
    xaug: list[str] = field(default_factory=list)
    seeds: int = 3
    first_seed: int = 0
    epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 1e-3
    patience: int = 5
    val_fraction: float = 0.2
    test_fraction: float = 0.2
    split_seed: int = 0
    signal: list[str] | None = None
    classes: list[str] | None = None
    n_constituents: int = 64
    image_bins: int = 32
    constituent_fields: list[str] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    preset: str | None = None
    device: str = "auto"
    precision: str = "fp32"
    nproc: int = 1

    def _check_types(self) -> None:
        def names(value: Any) -> bool:
            return isinstance(value, list) and all(isinstance(v, str) for v in value)

        expected: dict[str, tuple[str, Any]] = {
            "model": ("text", lambda v: isinstance(v, str)),
            "xaug": ("a list of names", names),
            "signal": ("a list of names", lambda v: v is None or names(v)),
            "classes": ("a list of names", lambda v: v is None or names(v)),
            "constituent_fields": ("a list of names", lambda v: v is None or names(v)),
            "options": ("a mapping", lambda v: isinstance(v, dict)),
            "preset": ("text", lambda v: v is None or isinstance(v, str)),
            "device": ("text", lambda v: isinstance(v, str)),
            "precision": ("text", lambda v: isinstance(v, str)),
        }
        for name in (
            "seeds", "first_seed", "epochs", "batch_size", "patience", "split_seed", "nproc"
        ):  # fmt: skip
            expected[name] = (
                "an integer",
                lambda v: isinstance(v, int) and not isinstance(v, bool),
            )
        for name in ("n_constituents", "image_bins"):
            expected[name] = (
                "an integer",
                lambda v: isinstance(v, int) and not isinstance(v, bool),
            )
        for name in ("learning_rate", "val_fraction", "test_fraction"):
            expected[name] = (
                "a number",
                lambda v: (
                    isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                ),
            )
        for name, (word, ok) in expected.items():
            if not ok(getattr(self, name)):
                raise InputError(
                    f"training option {name} must be {word}, got {getattr(self, name)!r}"
                )

    def __post_init__(self) -> None:
        from jetxai.data.schema import EVENT_FEATURES
        from jetxai.features import XAUG_NAMES
        from jetxai.models.registry import entry

        self._check_types()
        entry(self.model)
        if self.constituent_fields is not None:
            from jetxai.features import FEATURES

            for name in self.constituent_fields:
                FEATURES[name]  # an unknown name raises, naming the choices
            if not self.constituent_fields:
                raise InputError("constituent_fields must name at least one feature")
        unknown = [n for n in self.xaug if n not in XAUG_NAMES and n not in EVENT_FEATURES]
        if unknown:
            raise InputError(f"unknown XAUG variable or event feature(s) {', '.join(unknown)}")
        for name in ("seeds", "epochs", "batch_size", "n_constituents", "image_bins", "nproc"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise InputError(f"{name} must be a positive integer, got {value!r}")
        if self.classes is not None and self.signal is not None:
            raise InputError("give --classes (a multi-class tagger) or --signal, not both")
        if self.patience < 1 or not self.learning_rate > 0:
            raise InputError("patience must be >= 1 and learning_rate > 0")
        if not (
            0 < self.val_fraction < 1
            and 0 < self.test_fraction < 1
            and self.val_fraction + self.test_fraction < 1
        ):
            raise InputError("val_fraction and test_fraction must be in (0, 1) and sum below 1")
        choose(self.device, DEVICES, "device")
        from jetxai.train.loop import PRECISIONS

        choose(self.precision, PRECISIONS, "precision")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise InputError(f"unknown training option(s): {', '.join(unknown)}")
        if "model" not in raw:
            raise InputError("training needs a model name")
        return cls(**raw)


def read_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Options from a YAML file (a mapping of TrainConfig fields)."""
    import yaml

    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise InputError(f"{path}: cannot read config ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file (a config is YAML text)") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: a config file must be a mapping of options")
    return raw
