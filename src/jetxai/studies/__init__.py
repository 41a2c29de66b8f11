"""Studies: running the pipeline end to end on trained networks — finding checkpoints and the
split each was trained on, evaluating and explaining them, combining seeds — and the two
studies jetxai ships: the demo (a top tagger, :func:`run_demo`) and the event-level case study
(:func:`run_event_study`). Each writes a study directory that :mod:`jetxai.report` renders.
:func:`open_run` hands a trained run to Python (:mod:`jetxai.studies.run`).
"""

from __future__ import annotations

from jetxai.studies.demo import run_demo
from jetxai.studies.event_study import run_event_study
from jetxai.studies.explain import explain_run
from jetxai.studies.performance import evaluate_run
from jetxai.studies.run import Run, open_run

__all__ = ["Run", "evaluate_run", "explain_run", "open_run", "run_demo", "run_event_study"]
