"""The one exception type for bad user input (the CLI turns it into a one-line error, exit 2)."""

from __future__ import annotations


class InputError(ValueError):
    """Raised for input a user can fix: a bad option, a missing column, a truncated file."""
