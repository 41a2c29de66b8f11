"""Per-jet predictions of trained checkpoints, for users' own plots: one Parquet file with a
row per test jet and checkpoint.

Columns: ``seed`` (the checkpoint's seed, -1 for a checkpoint without one), ``test_row`` (the
jet's position in the test split: the same jet as in the relevance files of ``jetxai
explain``), ``dataset`` (the dataset directory as given) and ``dataset_row`` (the jet's row in
it), ``process``, ``label`` (1 signal, 0 background), ``split`` (``test``), ``weight`` (the
stored per-jet weight, 1 without one), ``logit`` and ``score`` (the sigmoid of the logit).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jetxai._io import atomic_path
from jetxai.train.samples import Samples


def dataset_rows(samples: Samples, rows: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Each data row's dataset (as given) and its row in that dataset."""
    from jetxai import data

    roots = samples.provenance["datasets"]
    sizes = [int(data.read_manifest(root)["jets_kept"]) for root in roots]
    starts = np.concatenate([[0], np.cumsum(sizes)])
    which = np.searchsorted(starts, rows, side="right") - 1
    return [roots[i] for i in which], rows - starts[which]


def prediction_columns(seed: int, samples: Samples, logit: np.ndarray) -> dict[str, Any]:
    """The columns of one checkpoint's predictions on its test split (logits in test order);
    a multi-class tagger's (jets, classes) logits give ``logit_<class>`` and ``score_<class>``
    (softmax) columns, its ``label`` the class index."""
    rows = samples.test
    dataset, dataset_row = dataset_rows(samples, rows)
    scored: dict[str, Any]
    if logit.ndim == 2:
        from jetxai.evaluate.multiclass import softmax

        classes = samples.provenance["classes"]
        probabilities = softmax(logit)
        scored = {f"logit_{c}": logit[:, k].astype(np.float64) for k, c in enumerate(classes)}
        scored |= {f"score_{c}": probabilities[:, k] for k, c in enumerate(classes)}
    else:
        scored = {
            "logit": logit.astype(np.float64),
            "score": 1.0 / (1.0 + np.exp(-logit.astype(np.float64))),
        }
    return {
        "seed": np.full(len(rows), seed, dtype=np.int64),
        "test_row": np.arange(len(rows), dtype=np.int64),
        "dataset": dataset,
        "dataset_row": dataset_row.astype(np.int64),
        "process": samples.processes[rows].tolist(),
        "label": samples.target[rows].astype(np.int64),
        "split": ["test"] * len(rows),
        "weight": samples.weight[rows].astype(np.float64),
        **scored,
    }


def write_predictions(path: str | os.PathLike[str], tables: list[dict[str, Any]]) -> Path:
    """Write the checkpoints' prediction columns as one Parquet file, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    joined = pa.concat_tables([pa.table(columns) for columns in tables])
    with atomic_path(path) as tmp:
        pq.write_table(joined, tmp)
    return path
