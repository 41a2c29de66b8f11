"""Tagging performance of saved checkpoints on the test split they were trained with."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from jetxai._io import write_json
from jetxai.evaluate.metrics import aggregate, tagging_metrics
from jetxai.models import load, prepare_inputs
from jetxai.studies.checkpoints import SplitCache, checkpoints


def evaluate_run(
    models: str | os.PathLike[str],
    datasets: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str] | None = None,
    batch_size: int = 4096,
) -> dict[str, Any]:
    """AUC, 1/ε_B at ε_S = 0.3 and 0.5 and accuracy of every checkpoint under ``models`` (one,
    or each ``seed-*``), per seed and as mean ± std; written to ``out/metrics.json`` if given."""
    per_seed = []
    splits = SplitCache(datasets)
    for directory in checkpoints(models):
        model = load(directory)
        samples = splits(model)
        jets, labels = samples.jets[samples.test], samples.target[samples.test]
        scores = []
        with torch.no_grad():
            for start in range(0, len(jets), batch_size):
                inputs, additional = prepare_inputs(model, jets[start : start + batch_size])
                scores.append(model(*inputs, *additional).double().numpy())
        # the stored per-event weights, exactly as training scored its test split
        weights = samples.weight[samples.test]
        metrics = tagging_metrics(np.concatenate(scores), labels, weights)
        per_seed.append({"checkpoint": str(directory), **metrics})
    result = {**aggregate(per_seed), "per_seed": per_seed}
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        write_json(Path(out) / "metrics.json", result)
    return result
