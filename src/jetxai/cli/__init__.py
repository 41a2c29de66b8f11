"""The ``jetxai`` command line: a thin layer that parses, calls the library and reports.

The entry point is :func:`jetxai.cli.main.main`; each sub-command is a module of its own.
"""

from __future__ import annotations
