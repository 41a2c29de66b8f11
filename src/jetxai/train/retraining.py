"""The importance that retraining measures: drop one XAUG variable, retrain with the same
seeds, and see how much the tagger loses.

For each variable v of a tagger's XAUG list, the same configuration (same seeds, same data and
split) is trained without v; its importance is ΔAUC = AUC(all) − AUC(all but v) and
Δ(1/ε_B) at ε_S = 0.5, each with the seed spread (the per-seed differences' std, the seeds
being paired) and the statistical error of the test counts (both runs' added in quadrature).
The truth ranking orders the variables by ΔAUC; a loss larger than its seed spread and
statistical error in quadrature is marked significant (where few are, the variables are
redundant: the others make up for the one dropped, and the truth order is mostly noise). It is
the reference an attribution's ranking
is scored against (:mod:`jetxai.evaluate.truth`); what it costs is one training per variable.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jetxai.errors import InputError
from jetxai.train.config import TrainConfig
from jetxai.train.ensemble import train


def _half_width(metric: dict[str, Any]) -> float | None:
    """A metric's statistical error (an asymmetric one as its mean half-width; None where the
    test counts give none, e.g. no background jet passing)."""
    given = metric.get("stat")
    errors = [float(e) for e in (given if isinstance(given, list) else [given]) if e is not None]
    return float(np.mean(errors)) if errors else None


def _difference(full: dict[str, Any], dropped: dict[str, Any]) -> dict[str, Any]:
    """full − dropped of one metric: mean, seed spread of the paired differences, the
    statistical error (the two runs' in quadrature) and whether either is only a bound."""
    a, b = np.asarray(full["values"], float), np.asarray(dropped["values"], float)
    first, second = _half_width(full), _half_width(dropped)
    return {
        "mean": float(np.mean(a - b)),
        "std": float(np.std(a - b, ddof=1)) if len(a) > 1 else 0.0,
        "stat": None if first is None or second is None else float(np.hypot(first, second)),
        "bound": bool(full.get("is_lower_bound") or dropped.get("is_lower_bound")),
    }


def drop_one_truth(
    config: TrainConfig,
    datasets: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    full: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Train ``config`` once without each of its XAUG variables (in ``out/without-<name>``,
    reused where finished) and return the importances and the truth order. ``full``: a finished
    training of ``config`` itself (its metrics.json), else it is trained in ``out/full``."""
    names = list(config.xaug)
    if len(names) < 2:
        raise InputError("the retraining truth needs a tagger with at least two XAUG variables")
    out = Path(out)
    reference = Path(full) if full is not None else out / "full"
    if not (reference / "metrics.json").is_file():
        train(config, datasets, reference, progress=progress)
    metrics = {"full": json.loads((reference / "metrics.json").read_text())}
    for name in names:
        directory = out / f"without-{name}"
        if not (directory / "metrics.json").is_file():
            reduced = dataclasses.replace(config, xaug=[n for n in names if n != name])
            train(reduced, datasets, directory, progress=progress)
        metrics[name] = json.loads((directory / "metrics.json").read_text())
    importance = {
        name: {
            what: _difference(metrics["full"][what], metrics[name][what])
            for what in ("auc", "rejection_0.5")
        }
        for name in names
    }
    order = sorted(names, key=lambda n: -importance[n]["auc"]["mean"])
    for entry in importance.values():  # the loss is larger than its seed and test-count errors
        auc = entry["auc"]
        auc["significant"] = abs(auc["mean"]) > float(np.hypot(auc["std"], auc["stat"] or 0.0))
    return {
        "order": order,
        "significant": sum(importance[n]["auc"]["significant"] for n in names),
        "importance": importance,
        "seeds": config.seeds,
        "trainings": len(names),
    }
