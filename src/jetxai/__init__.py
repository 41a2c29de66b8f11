"""jetxai: train jet taggers on simulated collisions and explain what they learned.

The pipeline is one package per stage — ``generate`` (Pythia 8 + FastJet), ``data`` (Parquet
datasets and readers), and the stages that build on them. Units are GeV and radians everywhere.
Heavy libraries are imported by the stage that needs them, never at ``import jetxai``.
"""

from __future__ import annotations

from jetxai.errors import InputError

__version__ = "0.1.0"
__all__ = ["InputError", "__version__"]
