"""A weaver-core data config (the YAML ``--data-config`` of ``weaver``), read as weaver reads it.

What jetxai uses of it: ``inputs`` (for each input group its ``vars``, ``length`` and
``pad_mode``; a variable is ``name`` or ``[name, subtract_by, multiply_by, clip_min, clip_max,
pad_value]`` with weaver's defaults None, 1, -5, 5, 0 — no centre, no standardisation nor
clipping), ``preprocess`` (``method: manual``, or the ``params`` weaver writes into the
``.auto.yaml`` after computing automatic ones), ``new_variables`` and ``selection`` /
``test_time_selection`` (expressions, :mod:`jetxai.weaver.expressions`), ``labels`` (``type:
simple``: one-hot branches, the class is the one set) and ``treename``. ``observers``,
``monitor_variables``, ``weights`` and ``bucketing`` only matter to weaver's training and are
read but not used. The :class:`DataConfig` carries the attributes a network file's
``get_model(data_config)`` reads (``input_dicts``, ``input_names``, ``input_shapes``,
``label_value``, ``preprocess_params``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jetxai.errors import InputError
from jetxai.weaver.expressions import Expression

#: Top-level keys of a weaver data config.
KEYS = frozenset(
    [
        "treename",
        "branch_magic",
        "file_magic",
        "selection",
        "test_time_selection",
        "preprocess",
        "new_variables",
        "inputs",
        "labels",
        "observers",
        "monitor_variables",
        "weights",
        "bucketing",
    ]
)
#: weaver's defaults for [name, subtract_by, multiply_by, clip_min, clip_max, pad_value].
VARIABLE_DEFAULTS = (None, 1, -5, 5, 0)
PAD_MODES = ("constant", "wrap")


@dataclass(frozen=True)
class Variable:
    """One input variable and how weaver transforms it: (x − center) · scale, clipped to
    [low, high] (only with a centre), then padded or truncated to ``length`` particles."""

    name: str
    length: int | None
    pad_mode: str
    center: float | None
    scale: float
    low: float
    high: float
    pad_value: float

    @property
    def params(self) -> dict[str, Any]:
        """The variable as weaver's ``preprocess_params`` entry."""
        return {
            "length": self.length,
            "pad_mode": self.pad_mode,
            "center": self.center,
            "scale": self.scale,
            "min": self.low,
            "max": self.high,
            "pad_value": self.pad_value,
        }


@dataclass
class DataConfig:
    """A weaver data config, read (:func:`read_data_config`)."""

    path: Path
    options: dict[str, Any]
    inputs: dict[str, tuple[Variable, ...]]
    label_value: list[str]
    new_variables: dict[str, Expression] = field(default_factory=dict)
    selection: Expression | None = None
    treename: str | None = None

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(self.inputs)

    @property
    def input_dicts(self) -> dict[str, list[str]]:
        return {k: [v.name for v in variables] for k, variables in self.inputs.items()}

    @property
    def input_shapes(self) -> dict[str, tuple[int, int, int | None]]:
        return {k: (-1, len(v), v[0].length) for k, v in self.inputs.items()}

    @property
    def preprocess_params(self) -> dict[str, dict[str, Any]]:
        return {v.name: v.params for variables in self.inputs.values() for v in variables}

    @property
    def label_names(self) -> tuple[str, ...]:
        return ("_label_",)

    @property
    def classes(self) -> tuple[str, ...]:
        """The class names: the label branches without ``label_`` (``QCD``, ``Tbqq``, …)."""
        return tuple(b.removeprefix("label_") for b in self.label_value)

    def is_mask(self, name: str) -> bool:
        """Whether input ``name`` is a mask (weaver's convention: its name ends in ``_mask``)."""
        return name.endswith("_mask")


def _variable(
    spec: Any, group: str, group_options: dict[str, Any], params: dict[str, Any], auto: bool
) -> Variable:
    where = f"inputs.{group}.vars"
    entry = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    if not entry or not isinstance(entry[0], str) or len(entry) > 6:
        raise InputError(f"{where}: {spec!r} is not a name or [name, centre, scale, min, max, pad]")
    name = entry[0]
    length, pad_mode = group_options.get("length"), str(group_options.get("pad_mode", "constant"))
    if name in params:  # weaver's written parameters (.auto.yaml) take precedence
        given = params[name]
        try:
            values = [given[k] for k in ("center", "scale", "min", "max", "pad_value")]
            length, pad_mode = given["length"], given["pad_mode"]
        except (KeyError, TypeError):
            raise InputError(f"preprocess.params.{name}: not weaver's parameter layout") from None
    else:
        defaults = ("auto" if auto else None, *VARIABLE_DEFAULTS[1:])  # weaver's
        values = [*entry[1:], *defaults[len(entry) - 1 :]]
    center, scale, low, high, pad = values
    if center == "auto":
        raise InputError(
            f"{where}: {name} asks for automatic standardisation; give the config weaver wrote "
            "with the computed parameters (its .auto.yaml)"
        )
    if pad_mode.lower() not in PAD_MODES:
        raise InputError(f"inputs.{group}.pad_mode: {pad_mode!r} is not one of {PAD_MODES}")
    if length is not None and (not isinstance(length, int) or length < 1):
        raise InputError(f"inputs.{group}.length: {length!r} is not a positive number")
    try:
        numbers = [float(x) for x in (scale, low, high, pad)]
        centre = None if center is None else float(center)
    except (TypeError, ValueError):
        raise InputError(f"{where}: {spec!r} has a non-numeric parameter") from None
    return Variable(name, length, pad_mode.lower(), centre, *numbers)


def read_data_config(path: str | os.PathLike[str]) -> DataConfig:
    """Read the weaver data config at ``path``; a config jetxai cannot build inputs from exactly
    as weaver does is refused, naming the key."""
    path = Path(path)
    try:
        options = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not YAML ({type(exc).__name__})") from None
    if not isinstance(options, dict):
        raise InputError(f"{path}: not a weaver data config (no mapping of options)")
    unknown = sorted(set(options) - KEYS)
    if unknown:
        raise InputError(
            f"{path}: unknown key(s) {', '.join(map(str, unknown))} "
            f"(weaver's: {', '.join(sorted(KEYS))})"
        )
    for key in ("branch_magic", "file_magic"):
        if options.get(key):
            raise InputError(f"{path}: {key} (renamed branches or files) is not supported")
    preprocess = options.get("preprocess") or {}
    params = preprocess.get("params") or {}
    method = str(preprocess.get("method", "manual")).lower()
    groups = options.get("inputs")
    if not isinstance(groups, dict) or not groups:
        raise InputError(f"{path}: no inputs")
    inputs: dict[str, tuple[Variable, ...]] = {}
    for group, group_options in groups.items():
        if not isinstance(group_options, dict) or not group_options.get("vars"):
            raise InputError(f"{path}: inputs.{group} has no vars")
        variables = tuple(
            _variable(v, group, group_options, params, method.startswith("auto"))
            for v in group_options["vars"]
        )
        if str(group).endswith("_mask") and variables[0].pad_mode != "constant":
            raise InputError(f"{path}: inputs.{group}: a mask must have pad_mode constant")
        inputs[str(group)] = variables
    labels = options.get("labels") or {}
    if labels.get("type") != "simple" or not isinstance(labels.get("value"), list):
        raise InputError(
            f"{path}: labels must be type simple with a list of one-hot branches (jetxai explains "
            "classifiers; got type {labels.get('type')!r})"
        )
    new_variables = {
        str(k): Expression(v, f"new_variables.{k}")
        for k, v in (options.get("new_variables") or {}).items()
        if k != v  # weaver drops a variable defined as itself
    }
    chosen = options.get("test_time_selection") or options.get("selection")  # weaver's predict
    return DataConfig(
        path=path,
        options=options,
        inputs=inputs,
        label_value=[str(v) for v in labels["value"]],
        new_variables=new_variables,
        selection=Expression(chosen, "test_time_selection") if chosen else None,
        treename=options.get("treename"),
    )
