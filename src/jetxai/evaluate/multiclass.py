"""Metrics of a multi-class tagger, as the ParT paper's JetClass table gives them
(arXiv:2202.03772, Table 2), each with its statistical uncertainty from the test counts.

- ``accuracy``: the weighted share of jets whose largest logit is their class, with its
  binomial standard error.
- ``auc``: one-vs-rest AUC of each class's softmax probability, and their macro mean; each
  class's AUC carries its standard error (:func:`.statistics.auc_standard_error`), the mean
  √(Σσ²)/K (the classes' errors taken as independent: they share test jets, so this is an
  estimate); None where a class has fewer than two test jets.
- for each signal class X, the background rejection 1/ε_B at ε_S = 50 % (99 % for t → bℓν,
  :data:`SIGNAL_EFFICIENCY`) of the discriminant s_X / (s_X + s_B) on the X and background
  jets only, with the test background jets passing, their Clopper–Pearson interval and
  ``is_lower_bound`` where fewer than ten pass (as :mod:`.metrics` gives it for binary
  taggers). s_X / (s_X + s_B) = σ(z_X − z_B), so the logit difference orders the jets the same.

Seed spreads come from aggregating the per-seed results as :func:`.metrics.aggregate` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from jetxai.catalogue import backgrounds
from jetxai.errors import InputError
from jetxai.evaluate.metrics import rejection_at, tagging_metrics
from jetxai.evaluate.roc import auc, roc_curve
from jetxai.evaluate.seeds import plus_minus, summary
from jetxai.evaluate.statistics import auc_standard_error, effective_count

#: ε_S of a class's rejection where it is not 50 % (the paper's t → bℓν, named as jetxai
#: imports JetClass's label_Tbl).
SIGNAL_EFFICIENCY = {"top_lep": 0.99}
#: ε_S of every other signal class's rejection.
DEFAULT_EFFICIENCY = 0.5


def softmax(logits: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Row-wise softmax of (N, K) logits (shifted by the row maximum, so it cannot overflow)."""
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _checked(
    logits: npt.ArrayLike,
    labels: npt.ArrayLike,
    classes: Sequence[str],
    background: str,
    weights: npt.ArrayLike | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels)
    if z.ndim != 2 or z.shape[1] != len(classes) or len(classes) < 2:
        raise InputError(
            f"logits must be (jets, {len(classes)} classes) for classes {', '.join(classes)}, "
            f"got shape {z.shape}"
        )
    if len(y) != len(z) or not np.isin(y, np.arange(len(classes))).all():
        raise InputError(f"labels must be one class index in 0..{len(classes) - 1} per jet")
    if not np.isfinite(z).all():
        raise InputError("logits contain NaN or infinity")
    if background not in classes:
        raise InputError(f"the background class {background!r} is not among {', '.join(classes)}")
    w = np.ones(len(z)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(w) != len(z) or (w < 0).any():
        raise InputError("weights must be one non-negative number per jet")
    missing = [c for k, c in enumerate(classes) if not w[y == k].sum() > 0]
    if missing:
        raise InputError(f"no test jets of class(es) {', '.join(missing)}")
    return z, y.astype(np.int64), w


def multiclass_metrics(
    logits: npt.ArrayLike,
    labels: npt.ArrayLike,
    classes: Sequence[str],
    background: str = "qcd",
    weights: npt.ArrayLike | None = None,
) -> dict[str, Any]:
    """The JetClass table's metrics of one network: ``logits`` (jets, classes), ``labels`` the
    class index of each jet in ``classes``, ``background`` the class the rejections are
    against. Returns accuracy, the macro AUC and, per class, its one-vs-rest AUC and (for the
    signal classes) its rejection, each with its statistical error."""
    z, y, w = _checked(logits, labels, classes, background, weights)
    correct = z.argmax(axis=1) == y
    accuracy = float(np.sum(w * correct) / np.sum(w))
    n = effective_count(w)
    probabilities = softmax(z)
    per_class: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(classes):
        mine = (y == k).astype(int)
        entry: dict[str, Any] = {
            "auc": auc(probabilities[:, k], mine, w),
            # a spread needs two jets on each side (None: not measurable)
            "auc_stat": auc_standard_error(probabilities[:, k], mine, w)
            if min(mine.sum(), len(mine) - mine.sum()) >= 2
            else None,
        }
        if name != background:
            b = classes.index(background)
            pair = (y == k) | (y == b)
            point = SIGNAL_EFFICIENCY.get(name, DEFAULT_EFFICIENCY)
            roc = roc_curve(z[pair, k] - z[pair, b], (y == k)[pair].astype(int), w[pair])
            entry |= {"signal_efficiency": point} | rejection_at(roc, point, w[pair & (y == b)])
        per_class[name] = entry
    aucs = [entry["auc"] for entry in per_class.values()]
    errors = [entry["auc_stat"] for entry in per_class.values()]
    mean_error = None if None in errors else float(np.sqrt(np.sum(np.square(errors))) / len(errors))
    return {
        "classes": list(classes),
        "background": background,
        "confusion": confusion(z.argmax(axis=1), y, len(classes)),
        "accuracy": accuracy,
        "accuracy_stat": float(np.sqrt(accuracy * (1.0 - accuracy) / n)),
        "auc": float(np.mean(aucs)),
        "auc_stat": mean_error,
        "per_class": per_class,
    }


def confusion(predicted: npt.ArrayLike, labels: npt.ArrayLike, n_classes: int) -> dict[str, Any]:
    """Jets of each true class (rows) by predicted class (columns): the counts, and each row's
    fractions (0 for a class without jets)."""
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(
        counts, (np.asarray(labels, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1
    )
    rows = counts.sum(axis=1, keepdims=True)
    fraction = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)
    return {"counts": counts.tolist(), "fraction": fraction.tolist()}


def background_class(classes: Sequence[str]) -> str:
    """The class a multi-class tagger's rejections are against: the first the catalogue calls
    background (QCD, gluon), else the first class."""
    found = backgrounds(classes)
    return found[0] if found else classes[0]


def network_metrics(
    classes: Sequence[str],
    scores: npt.ArrayLike,
    labels: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
) -> dict[str, Any]:
    """One network's metrics: :func:`.metrics.tagging_metrics` for a binary tagger (no
    ``classes``), :func:`multiclass_metrics` for one with a logit per class."""
    if not classes:
        return tagging_metrics(scores, labels, weights)
    return multiclass_metrics(scores, labels, classes, background_class(classes), weights)


def _spread(per_seed: Sequence[dict[str, Any]], name: str) -> dict[str, Any]:
    """Mean ± seed spread of ``name``, with the statistical error beside it where every seed
    has one."""
    entry = summary([float(m[name]) for m in per_seed])
    stats = [v for m in per_seed if isinstance(v := m.get(f"{name}_stat"), float)]
    if len(stats) == len(per_seed):
        stat = float(np.mean(stats))
        entry |= {"stat": stat, "total": float(np.hypot(entry["std"], stat))}
    return entry


def aggregate_multiclass(per_seed: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """:func:`multiclass_metrics` of several seeds as mean ± seed spread with the statistical
    errors: accuracy and macro AUC, and per class its AUC and rejection (with the background
    jets passing per seed and whether any seed's rejection is a bound)."""
    first = per_seed[0]
    out: dict[str, Any] = {"classes": first["classes"], "background": first["background"]}
    out |= {name: _spread(per_seed, name) for name in ("accuracy", "auc")}
    out["per_class"] = {}
    for name in first["classes"]:
        entries = [m["per_class"][name] for m in per_seed]
        shown: dict[str, Any] = {"auc": _spread(entries, "auc")}
        if "rejection" in entries[0]:
            rejection = summary([float(e["rejection"]) for e in entries])
            rejection["passing"] = [float(e["passing"]) for e in entries]
            rejection["interval"] = [e["interval"] for e in entries]
            rejection["is_lower_bound"] = any(e["is_lower_bound"] for e in entries)
            shown |= {"signal_efficiency": entries[0]["signal_efficiency"]}
            shown["rejection"] = rejection
        out["per_class"][name] = shown
    return out


def summary_line(aggregated: dict[str, Any]) -> str:
    """One line of :func:`aggregate_multiclass`'s numbers: accuracy, macro AUC and each signal
    class's rejection (≥ where a bound)."""
    rejections = [
        f"{name} {'≥ ' if entry['rejection']['is_lower_bound'] else ''}"
        f"{plus_minus(entry['rejection'], 1)}"
        for name, entry in aggregated["per_class"].items()
        if "rejection" in entry
    ]
    return (
        f"accuracy {plus_minus(aggregated['accuracy'], 4)}, macro AUC "
        f"{plus_minus(aggregated['auc'], 4)}, 1/eps_B against {aggregated['background']}: "
        + ", ".join(rejections)
    )
