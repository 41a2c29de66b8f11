"""Simulated, truth-labelled boosted jets: Pythia 8 events → FastJet anti-kT jets → Parquet.

Example::

    from jetxai.generate import GeneratorConfig, generate
    generate(GeneratorConfig(process="top", n_jets=1000, seed=7), "data/top")

Processes are the catalogue's recipes (:data:`jetxai.catalogue.PROCESSES`); defaults follow
the Top Tagging Landscape: √s = 14 TeV, anti-kT R = 0.8, |η| < 2, 550 ≤ p_T < 650 GeV. Units
are GeV and radians.

Event-level samples (a heavy-quark signal and Standard Model backgrounds, with features, cut flow
and cross-section weights) come from the same :func:`generate` with an
:class:`jetxai.generate.events.EventConfig`; see :mod:`jetxai.generate.events`.
"""

from __future__ import annotations

from jetxai.generate.chunk import chunk_seed, generate_chunk
from jetxai.generate.config import GeneratorConfig
from jetxai.generate.jets import select_jets
from jetxai.generate.runner import GenerationWarning, generate

__all__ = [
    "GenerationWarning",
    "GeneratorConfig",
    "chunk_seed",
    "generate",
    "generate_chunk",
    "select_jets",
]
