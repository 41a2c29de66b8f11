"""The ``jetxai`` command line: a thin layer that parses, calls the library and reports."""

from __future__ import annotations

from jetxai.cli.main import main

__all__ = ["main"]
