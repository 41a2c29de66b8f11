"""Importing optional dependencies with an error that says which extra provides them."""

from __future__ import annotations

import importlib
from types import ModuleType

from jetxai.errors import InputError


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`InputError` naming ``pip install 'jetxai[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(f"this needs {module}: pip install 'jetxai[{extra}]'") from None
