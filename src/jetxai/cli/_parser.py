"""An ``argparse`` parser whose errors are a single line and exit code 2."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """Like ``ArgumentParser`` but usage errors print one line: ``jetxai …: error: …``."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(2)


#: Largest count any option takes: beyond this a value is a typo, not a request.
MAX_COUNT = 10**9


def counted(high: int = MAX_COUNT) -> Callable[[str], int]:
    """argparse type: an integer in [1, ``high``]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not 1 <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between 1 and {high}, got {value}")
        return value

    return parse


#: argparse type: an integer in [1, MAX_COUNT].
positive_int = counted()


def non_negative_float(text: str) -> float:
    """argparse type: a finite number ≥ 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def steps_or_auto(text: str) -> int | str:
    """IG steps: a whole number (1 to 10⁵), ``auto`` or ``exact``."""
    return text if text in ("auto", "exact") else counted(10**5)(text)


def comma_list(text: str) -> list[str]:
    """The names of a comma-separated list (blanks dropped)."""
    return [name.strip() for name in text.split(",") if name.strip()]


def path_text(text: str) -> str:
    """argparse type: a non-empty path."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def config_tokens(parser: argparse.ArgumentParser, path: str) -> list[str]:
    """Command-line tokens for the options in the YAML mapping at ``path``.

    Keys are the sub-command's option names (``n_jets`` or ``n-jets``); lists become repeated
    options where the option repeats (``--data``) and comma-joined values otherwise; booleans
    switch flags on. Unknown keys are an error.
    """
    import yaml

    from jetxai.errors import InputError

    try:
        with open(path) as handle:
            options = yaml.safe_load(handle)
    except OSError as exc:
        raise InputError(f"{path}: cannot read config ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file (a config is YAML text)") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(options, dict):
        raise InputError(f"{path}: a config file must be a mapping of options")
    actions = {a.dest: a for a in parser._actions if a.option_strings}
    tokens: list[str] = []
    for key, value in options.items():
        dest = str(key).replace("-", "_")
        if dest not in actions or dest in ("help", "config"):
            raise InputError(f"{path}: unknown option {key!r} for this command")
        action = actions[dest]
        flag = action.option_strings[-1]
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int | float | bool) for v in items):
            raise InputError(f"{path}: option {key!r} takes a value or a list of values")
        if isinstance(action, argparse._StoreTrueAction):
            if not isinstance(value, bool):
                raise InputError(f"{path}: option {key!r} is a switch: true or false")
            tokens += [flag] if value else []
        elif isinstance(value, list) and isinstance(action, argparse._AppendAction):
            for item in value:
                tokens += [flag, str(item)]
        elif isinstance(value, list):
            tokens += [flag, ",".join(str(v) for v in value)]
        else:
            tokens += [flag, str(value)]
    return tokens
