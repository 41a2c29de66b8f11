"""Event-level samples for event classification: a heavy-quark signal and SM backgrounds.

Example::

    from jetxai.generate import generate
    from jetxai.generate.events import EventConfig
    generate(EventConfig(process="vlq", n_events=1000, seed=3), "data/vlq")

Each stored event carries the features of :data:`jetxai.data.schema.EVENT_FEATURES`, its
``process`` and ``label``, and a ``weight`` = σ / events tried (pb), so the weights of a dataset
sum to σ × selection efficiency: the expected number of selected events per pb⁻¹. Objects are
defined in :mod:`.objects`, processes and generator cuts in :mod:`jetxai.catalogue.events`, the
selection and features in :mod:`.record`.
"""

from __future__ import annotations

from jetxai.catalogue.events import STAGES
from jetxai.generate.events.config import EventConfig
from jetxai.generate.events.record import select_events

__all__ = ["STAGES", "EventConfig", "select_events"]
