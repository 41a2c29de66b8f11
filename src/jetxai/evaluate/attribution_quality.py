"""How far an attribution can be trusted, measured.

All functions take a model, inputs x (N, …), attributions φ of the same shape, and work on the
flattened features of each example:

- :func:`deletion_curve` / :func:`insertion_curve`: replace features by background values in
  order of decreasing attribution (deletion) or restore them from the background (insertion);
  the model output after each step, and the curve's normalised area (deletion: lower is better,
  insertion: higher is better). A random order is the reference. Features with equal
  attribution are taken in index order (a stable sort), so the curve is deterministic. The
  output scored is the logit (``score="logit"``, what the scorecard uses: it does not saturate)
  or the probability (``score="probability"``: sigmoid of a single logit, softmax of several,
  as in RISE, Petsiuk et al. 2018).
- :func:`infidelity` (Yeh et al., NeurIPS 2019): E_I[(I·φ − (f(x) − f(x − I)))²] for Gaussian I.
- :func:`max_sensitivity` (Yeh et al. 2019): max over perturbations |δ|∞ ≤ r of
  ‖φ(x+δ) − φ(x)‖ / ‖φ(x)‖ (divided by 1 where φ(x) = 0, as Captum's ``sensitivity_max``).
- :func:`randomisation_check` (Adebayo et al., NeurIPS 2018): rank correlation between the
  attributions of the trained model and of copies with re-initialised layers (low is good).
- :func:`synthetic_task` and :func:`ground_truth_agreement`: tasks where only known features
  carry signal, and precision@k / rank correlation of an attribution against them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from jetxai._registry import choose
from jetxai.explain._common import select

Array = npt.NDArray[np.float64]
Attributor = Callable[[nn.Module, torch.Tensor], torch.Tensor]


#: What a deletion / insertion curve scores.
SCORES = ("logit", "probability")


def _predict(
    model: nn.Module,
    x: torch.Tensor,
    extra: tuple[torch.Tensor, ...] = (),
    target: Any = None,
    score: str = "logit",
) -> torch.Tensor:
    with torch.no_grad():
        output = model(x, *extra)
        if score == "probability":
            output = torch.sigmoid(output) if output.dim() == 1 else output.softmax(dim=1)
        return select(output, target)


def _curve(
    model: nn.Module,
    x: torch.Tensor,
    attributions: torch.Tensor,
    replacement: torch.Tensor,
    steps: int,
    insert: bool,
    order: torch.Tensor | None,
    extra: tuple[torch.Tensor, ...],
    score: str,
) -> tuple[Array, Array]:
    n = len(x)
    flat_x = x.reshape(n, -1)
    # one replacement example shared by all, or one per example
    flat_r = torch.broadcast_to(replacement.reshape(-1, flat_x.shape[1]), flat_x.shape)
    if order is None:
        order = attributions.reshape(n, -1).argsort(dim=1, descending=True, stable=True)
    d = flat_x.shape[1]
    counts = np.unique(np.linspace(0, d, steps + 1).round().astype(int))
    outputs = []
    for k in counts:
        chosen = torch.zeros_like(flat_x, dtype=torch.bool)
        chosen.scatter_(1, order[:, :k], True)
        source, other = (flat_x, flat_r) if insert else (flat_r, flat_x)
        point = torch.where(chosen, source, other).reshape(x.shape)
        outputs.append(_predict(model, point, extra, score=score).double().numpy())
    return np.stack(outputs, axis=1), counts / d


def _area(curve: Array, fractions: Array) -> float:
    return float(np.trapezoid(curve.mean(axis=0), fractions))


def _area_error(curve: Array, fractions: Array) -> float:
    """The standard error of the mean curve's area: the spread of the examples' own areas
    (the area is linear in the curve, so the mean of theirs is the mean curve's) over √n."""
    areas = np.asarray(np.trapezoid(curve, fractions, axis=1))
    return float(areas.std(ddof=1) / np.sqrt(len(areas))) if len(areas) > 1 else 0.0


def _ordered_curve(
    model: nn.Module,
    x: torch.Tensor,
    attributions: torch.Tensor,
    replacement: torch.Tensor,
    steps: int,
    insert: bool,
    extra: tuple[torch.Tensor, ...],
    generator: torch.Generator | None,
    score: str,
) -> dict[str, Any]:
    choose(score, SCORES, "score")
    curve, fractions = _curve(
        model, x, attributions, replacement, steps, insert, None, extra, score
    )
    random_order = torch.rand(attributions.reshape(len(x), -1).shape, generator=generator).argsort(
        dim=1
    )
    reference, _ = _curve(
        model, x, attributions, replacement, steps, insert, random_order, extra, score
    )
    return {
        "fractions": fractions.tolist(),
        "mean_output": curve.mean(axis=0).tolist(),
        "auc": _area(curve, fractions),
        "random_auc": _area(reference, fractions),
        "auc_stat": _area_error(curve, fractions),
        "random_auc_stat": _area_error(reference, fractions),
    }


def deletion_curve(
    model: nn.Module,
    x: torch.Tensor,
    attributions: torch.Tensor,
    replacement: torch.Tensor,
    steps: int = 20,
    additional_forward_args: tuple[torch.Tensor, ...] = (),
    generator: torch.Generator | None = None,
    score: str = "logit",
) -> dict[str, Any]:
    """Output as the top-attributed features are replaced by background values; with the area
    under the mean curve for this order and for a random order (the reference)."""
    return _ordered_curve(
        model, x, attributions, replacement, steps, False, additional_forward_args, generator, score
    )


def insertion_curve(
    model: nn.Module,
    x: torch.Tensor,
    attributions: torch.Tensor,
    replacement: torch.Tensor,
    steps: int = 20,
    additional_forward_args: tuple[torch.Tensor, ...] = (),
    generator: torch.Generator | None = None,
    score: str = "logit",
) -> dict[str, Any]:
    """Output as the top-attributed features are restored into a background example."""
    return _ordered_curve(
        model, x, attributions, replacement, steps, True, additional_forward_args, generator, score
    )


def infidelity(
    model: nn.Module,
    x: torch.Tensor,
    attributions: torch.Tensor,
    n_samples: int = 32,
    scale: float = 0.1,
    generator: torch.Generator | None = None,
) -> Array:
    """Per example E_I[(I·φ − (f(x) − f(x − I)))²], I ~ N(0, scale²)."""
    base = _predict(model, x).double()
    total = torch.zeros(len(x), dtype=torch.float64)
    flat_phi = attributions.reshape(len(x), -1).double()
    for _draw in range(n_samples):
        noise = scale * torch.randn(x.shape, generator=generator, dtype=x.dtype)
        change = base - _predict(model, x - noise).double()
        dot = (noise.reshape(len(x), -1).double() * flat_phi).sum(dim=1)
        total += (dot - change) ** 2 / n_samples
    return total.numpy()


def max_sensitivity(
    attribute: Attributor,
    model: nn.Module,
    x: torch.Tensor,
    radius: float = 0.02,
    n_samples: int = 8,
    generator: torch.Generator | None = None,
) -> Array:
    """Per example max over sampled |δ|∞ ≤ radius of ‖φ(x+δ) − φ(x)‖₂ / ‖φ(x)‖₂."""
    reference = attribute(model, x).reshape(len(x), -1).double()
    norm = reference.norm(dim=1)
    norm = torch.where(norm > 0, norm, torch.ones_like(norm))
    worst = torch.zeros(len(x), dtype=torch.float64)
    for _draw in range(n_samples):
        delta = (torch.rand(x.shape, generator=generator, dtype=x.dtype) * 2 - 1) * radius
        moved = attribute(model, x + delta).reshape(len(x), -1).double()
        worst = torch.maximum(worst, (moved - reference).norm(dim=1) / norm)
    return worst.numpy()


def rank_correlation(a: npt.ArrayLike, b: npt.ArrayLike) -> Array:
    """Spearman rank correlation per row of two (N, D) arrays (ties broken by position)."""
    ra = np.argsort(np.argsort(np.asarray(a, dtype=np.float64), axis=1), axis=1).astype(np.float64)
    rb = np.argsort(np.argsort(np.asarray(b, dtype=np.float64), axis=1), axis=1).astype(np.float64)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    denominator = np.sqrt((ra**2).sum(axis=1) * (rb**2).sum(axis=1))
    return np.divide(
        (ra * rb).sum(axis=1), denominator, out=np.zeros(len(ra)), where=denominator > 0
    )


def randomisation_check(
    attribute: Attributor, model: nn.Module, x: torch.Tensor, seed: int = 0
) -> list[dict[str, Any]]:
    """Cascading randomisation from the output layer down: after re-initialising each further
    layer, the mean rank correlation of |φ| with the trained model's |φ|."""
    original = attribute(model, x).reshape(len(x), -1).abs().numpy()
    randomised = copy.deepcopy(model)
    layers = [m for m in randomised.modules() if any(True for _ in m.parameters(recurse=False))]
    torch.manual_seed(seed)
    results = []
    for depth, layer in enumerate(reversed(layers), start=1):
        for module in layer.modules():
            reset = getattr(module, "reset_parameters", None)
            if callable(reset):
                reset()
        changed = attribute(randomised, x).reshape(len(x), -1).abs().numpy()
        results.append(
            {
                "layers_randomised": depth,
                "layer": type(layer).__name__,
                "rank_correlation": float(rank_correlation(original, changed).mean()),
            }
        )
    return results


def synthetic_task(
    kind: str, n: int, n_features: int = 10, informative: int = 3, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, npt.NDArray[np.bool_]]:
    """(x, y, relevant): a classification task whose informative features are known.

    ``shift``: signal has the informative features shifted by +1 (a mean shift);
    ``deviation``: signal has the informative features spread wider around the background mean
    (informative only through |x − mean|, invisible to a mean-shift test).
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_features))
    y = rng.integers(0, 2, n)
    signal = y == 1
    if kind == "shift":
        x[np.ix_(signal, np.arange(informative))] += 1.0
    elif kind == "deviation":
        x[np.ix_(signal, np.arange(informative))] *= 2.5
    else:
        raise ValueError(f"unknown synthetic task {kind!r} (shift or deviation)")
    relevant = np.zeros(n_features, dtype=bool)
    relevant[:informative] = True
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32), relevant


def ground_truth_agreement(
    attributions: npt.ArrayLike, relevant: npt.ArrayLike
) -> dict[str, float]:
    """Precision@k (k = number of relevant features) of the per-example |φ| ranking and the rank
    correlation of mean |φ| with the relevance indicator, for one attribution method."""
    phi = np.abs(np.asarray(attributions, dtype=np.float64))
    truth = np.asarray(relevant, dtype=bool)
    k = int(truth.sum())
    top = np.argsort(-phi, axis=1)[:, :k]
    precision = float(truth[top].mean())
    correlation = float(
        rank_correlation(phi.mean(axis=0, keepdims=True), truth[None].astype(float))[0]
    )
    return {"precision_at_k": precision, "rank_correlation": correlation}
