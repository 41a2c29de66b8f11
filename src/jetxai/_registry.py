"""The one registry shape: a name → entry mapping with a registration decorator.

Every extensible part of jetxai — processes, XAUG variables, constituent features, models, LRP
rules and composites, IG baselines, quadratures, explanation methods — is a :class:`Registry`.
Looking up a name that is not there is a one-line :class:`~jetxai.errors.InputError` naming
the choices; registering a name twice is a programming error.

Example::

    from jetxai.explain.quadrature import QUADRATURES

    @QUADRATURES.register("simpson")
    def simpson(n): ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from jetxai.errors import InputError

T = TypeVar("T")
E = TypeVar("E")


class Registry(dict[str, T]):
    """Named entries of one kind (a plain dict, so ``name in registry`` and iteration work)."""

    def __init__(self, kind: str, entries: Mapping[str, T] | None = None) -> None:
        super().__init__()
        self.kind = kind
        for name, entry in (entries or {}).items():
            self.add(name, entry)

    def __missing__(self, name: str) -> T:
        raise InputError(f"unknown {self.kind} {name!r}; choose from {', '.join(self.names())}")

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self)

    def add(self, name: str, entry: E) -> E:
        """Register ``entry`` under the new ``name`` and return it."""
        if name in self:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self[name] = entry  # type: ignore[assignment]
        return entry

    def register(self, name: str) -> Callable[[E], E]:
        """Decorator: register the decorated function or class under ``name``."""

        def decorate(entry: E) -> E:
            return self.add(name, entry)

        return decorate
