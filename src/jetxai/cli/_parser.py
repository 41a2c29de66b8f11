"""An ``argparse`` parser whose errors are a single line and exit code 2."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """Like ``ArgumentParser`` but usage errors print one line: ``jetxai …: error: …``."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(2)


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


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
        if isinstance(action, argparse._StoreTrueAction):
            tokens += [flag] if value else []
        elif isinstance(value, list) and isinstance(action, argparse._AppendAction):
            for item in value:
                tokens += [flag, str(item)]
        elif isinstance(value, list):
            tokens += [flag, ",".join(str(v) for v in value)]
        else:
            tokens += [flag, str(value)]
    return tokens
