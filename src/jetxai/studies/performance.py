"""Tagging performance of saved checkpoints on the test split they were trained with."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from jetxai._io import write_json
from jetxai.evaluate.metrics import aggregate
from jetxai.evaluate.multiclass import aggregate_multiclass, network_metrics
from jetxai.models import load, prepare_inputs
from jetxai.models.tagger import Tagger
from jetxai.studies.checkpoints import SplitCache, checkpoint_seed, checkpoints
from jetxai.train.samples import Samples


def evaluate_run(
    models: str | os.PathLike[str],
    datasets: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str] | None = None,
    batch_size: int = 4096,
    predictions: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """AUC, 1/ε_B at ε_S = 0.3 and 0.5 and accuracy of every checkpoint under ``models`` (one,
    or each ``seed-*``), per seed and as mean ± std; written to ``out/metrics.json`` if given.
    The test jets are read ``batch_size`` at a time. ``predictions``: also write every test
    jet's score per checkpoint to this Parquet file (:mod:`jetxai.studies.predictions`)."""
    from jetxai.studies.predictions import prediction_columns, write_predictions

    per_seed, tables = [], []
    splits = SplitCache(datasets, lazy=True)
    for directory in checkpoints(models):
        model = load(directory)
        samples = splits(model)
        logit = score_test_split(model, samples, batch_size)
        # the stored per-event weights, exactly as training scored its test split
        test = samples.test
        classes = model.spec.classes
        metrics = network_metrics(classes, logit, samples.target[test], samples.weight[test])
        per_seed.append({"checkpoint": str(directory), **metrics})
        if predictions is not None:
            tables.append(prediction_columns(checkpoint_seed(directory), samples, logit))
    several = "classes" in per_seed[0]
    result = {**(aggregate_multiclass if several else aggregate)(per_seed), "per_seed": per_seed}
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        write_json(Path(out) / "metrics.json", result)
    if predictions is not None:
        write_predictions(predictions, tables)
    return result


def score_test_split(model: Tagger, samples: Samples, batch_size: int) -> np.ndarray:
    """The model's logit for every test jet, the jets read a batch at a time."""
    scores = []
    with torch.no_grad():
        for start in range(0, len(samples.test), batch_size):
            jets = samples.jets[samples.test[start : start + batch_size]]
            inputs, additional = prepare_inputs(model, jets)
            scores.append(model(*inputs, *additional).double().numpy())
    return np.concatenate(scores)
