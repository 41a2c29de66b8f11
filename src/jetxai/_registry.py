"""The one registry shape: a name → entry mapping with a registration decorator.

Every extensible part of jetxai — processes, XAUG variables, constituent features, models, LRP
rules and composites, IG baselines, quadratures, explanation methods — is a :class:`Registry`.
Looking up a name that is not there is a one-line :class:`~jetxai.errors.InputError` naming
the choices; registering a name twice is a programming error.

Every entry is registered the same way, at its definition, with the decorator::

    from jetxai.explain.quadrature import QUADRATURES

    @QUADRATURES.register("simpson")
    def simpson(n): ...

A registry whose entries declare something about themselves (what a baseline needs, what a
rule applies to) is made with ``make``: the decorator's keywords are those declarations, and
the entry stored is ``make(decorated, **declarations)`` (the decorated object itself is what
the decorator returns, so it stays usable under its own name)::

    @BASELINES.register("nearest", background=True, per_jet=True)
    def nearest(inputs, background=None, **_): ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from jetxai.errors import InputError

T = TypeVar("T")
E = TypeVar("E")


def choose(value: object, choices: Iterable[str], what: str) -> str:
    """``value`` if it is one of ``choices``, else the one-line error naming them: every
    "choose from" check of the package (registries and fixed sets of options alike) says it
    this way."""
    known = list(choices)
    if not isinstance(value, str) or value not in known:
        raise InputError(f"unknown {what} {value!r}; choose from {', '.join(known)}")
    return value


class Registry(dict[str, T]):
    """Named entries of one kind (a plain dict, so ``name in registry`` and iteration work)."""

    def __init__(
        self,
        kind: str,
        entries: Mapping[str, T] | None = None,
        make: Callable[..., T] | None = None,
    ) -> None:
        super().__init__()
        self.kind = kind
        self.make = make
        for name, entry in (entries or {}).items():
            self.add(name, entry)

    def __missing__(self, name: str) -> T:
        self.choose(name)
        raise AssertionError("unreachable")

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self)

    def add(self, name: str, entry: E) -> E:
        """Register ``entry`` under the new ``name`` and return it."""
        if name in self:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self[name] = entry  # type: ignore[assignment]
        return entry

    def register(self, name: str, **declared: Any) -> Callable[[E], E]:
        """Decorator: register the decorated function or class under ``name`` (through the
        registry's ``make`` with the ``declared`` keywords, where it has one)."""
        if declared and self.make is None:
            raise TypeError(f"the {self.kind} registry takes no declarations: {sorted(declared)}")

        def decorate(entry: E) -> E:
            self.add(name, entry if self.make is None else self.make(entry, **declared))
            return entry

        return decorate

    def choose(self, name: object, what: str | None = None) -> str:
        """``name`` if it is registered, else the one-line error naming the choices (``what``
        names the option in it)."""
        return choose(name, self.names(), what or self.kind)
