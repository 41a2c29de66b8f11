"""The baseline scorecard: every baseline × method on one model and data, with the numbers that
say how far each explanation can be trusted.

Per entry: completeness error (mean |Σφ − (f(x) − E f(x′))| for IG, |Σ R − f(x)| for LRP),
deletion AUC with the random-order reference, each with its standard error over the explained
examples (``*_stat``) (features replaced by the background mean; the
logit is scored, not the probability, so the curve does not saturate; lower is better),
agreement with the known relevant features where given, and seconds taken.
For models with one attributed input (XAUG-only or event-level dense networks).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy.typing as npt
import torch
from torch import nn

from jetxai._quiet import bar_disabled
from jetxai.evaluate.attribution_quality import deletion_curve, ground_truth_agreement
from jetxai.explain import (
    AveragedBaseline,
    baselines,
    expected_gradients,
    gradient_x_input,
    integrated_gradients,
    lrp,
    saliency,
    smoothgrad,
)


def _ig_candidates(
    inputs: torch.Tensor,
    background: torch.Tensor,
    weightings: dict[str, torch.Tensor | None],
    k: int,
    seed: int,
) -> list[tuple[str, Any, bool]]:
    """(label, baseline, per jet) for every registered baseline, built as its entry declares,
    once per weighting it is scored with (``name (weighting)``; plain ``name`` for the
    scorecard's own weights, ``""``); a weighting not given is skipped. A per-jet baseline
    draws one baseline for each of ``inputs``; the others are drawn from ``background``."""
    out = []
    for name, entry in baselines.BASELINES.items():
        for weighting in entry.scored:
            if weighting not in weightings:
                continue
            built = entry(
                (inputs,) if entry.per_jet or not entry.background else (background,),
                background=(background,) if entry.background else None,
                weights=weightings[weighting],
                k=k,
                generator=torch.Generator().manual_seed(seed),
            )
            label = f"{name} ({weighting})" if weighting else name
            out.append((label, built, entry.per_jet))
    return out


def scorecard(
    model: nn.Module,
    inputs: torch.Tensor,
    background: torch.Tensor,
    background_weights: npt.ArrayLike | None = None,
    relevant: npt.ArrayLike | None = None,
    uniform_weights: npt.ArrayLike | None = None,
    extra_baselines: Mapping[str, torch.Tensor] | None = None,
    n_steps: int | str = 32,
    k: int = 16,
    seed: int = 0,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Score every method × every registered baseline on ``inputs`` (explained for the model's
    single output).

    ``background_weights`` (cross-section weights) are the scorecard's own weights (the mean and
    median baselines') and its ``xsec`` weighting ("averaged (xsec)"); ``uniform_weights`` (e.g.
    equal per process; each background row equally when not given) its ``uniform`` weighting.
    ``extra_baselines`` adds IG rows for named baseline tensors of the caller's. The IG rows of
    per-jet baselines come last (after the other methods), so the rows before them do not
    depend on which are registered. ``progress`` shows a bar that moves per method ×
    baseline, with the last one's jets/s.
    """
    from tqdm.auto import tqdm

    generator = torch.Generator().manual_seed(seed)
    weights = _float64(background_weights)
    weightings = {"": weights, "uniform": _float64(uniform_weights)}
    if weights is not None:
        weightings["xsec"] = weights
    built = _ig_candidates(inputs, background, weightings, k, seed)
    candidates = [(name, base) for name, base, per_jet in built if not per_jet]
    candidates += list((extra_baselines or {}).items())
    last = [(name, base) for name, base, per_jet in built if per_jet]

    def ig(base: Any) -> Any:
        return lambda: integrated_gradients(
            model, inputs, baselines=base, n_steps=n_steps, return_convergence_delta=True
        )

    draws = AveragedBaseline(background, weights)
    runs = [("ig", name, ig(base)) for name, base in candidates] + [
        ("lrp", "-", lambda: lrp(model, inputs, return_convergence_delta=True)),
        ("saliency", "-", lambda: (saliency(model, inputs), None)),
        ("gradient_x_input", "-", lambda: (gradient_x_input(model, inputs), None)),
        ("smoothgrad", "-", lambda: (smoothgrad(model, inputs, generator=generator), None)),
        (
            "expected_gradients",
            "background",
            lambda: (expected_gradients(model, inputs, baselines=draws, generator=generator), None),
        ),
    ]
    runs += [("ig", name, ig(base)) for name, base in last]
    (replacement,) = baselines.mean((background,), background=background, weights=weights)
    with tqdm(
        total=len(runs), desc="scorecard", unit="method", disable=bar_disabled(progress)
    ) as bar:
        return [
            _row(model, inputs, method, name, run, replacement[0], generator, relevant, bar)
            for method, name, run in runs
        ]


def _row(
    model: nn.Module,
    inputs: torch.Tensor,
    method: str,
    baseline: str,
    run: Any,
    replacement: torch.Tensor,
    generator: torch.Generator,
    relevant: npt.ArrayLike | None,
    bar: Any,
) -> dict[str, Any]:
    """One scorecard row: ``run()`` (→ attributions, completeness delta or None) timed and
    scored by deletion (and against the known relevant features where given)."""
    start = time.perf_counter()
    phi, delta = run()
    seconds = time.perf_counter() - start
    bar.set_postfix_str(f"{method} {baseline}: {len(inputs) / max(seconds, 1e-9):.0f} jets/s")
    bar.update()
    deletion = deletion_curve(model, inputs, phi, replacement, generator=generator)
    errors = None if delta is None else delta.abs().double()
    row: dict[str, Any] = {
        "method": method,
        "baseline": baseline,
        "completeness_error": None if errors is None else float(errors.mean()),
        "completeness_error_stat": None
        if errors is None or len(errors) < 2
        else float(errors.std() / len(errors) ** 0.5),
        "deletion_auc": deletion["auc"],
        "deletion_auc_stat": deletion["auc_stat"],
        "random_deletion_auc": deletion["random_auc"],
        "random_deletion_auc_stat": deletion["random_auc_stat"],
        "seconds": seconds,
        "mean_attribution": phi.double().mean(dim=0).tolist(),
    }
    if relevant is not None:
        row |= ground_truth_agreement(phi.numpy(), relevant)
    return row


def _float64(values: npt.ArrayLike | None) -> torch.Tensor | None:
    return None if values is None else torch.as_tensor(values, dtype=torch.float64)


def format_scorecard(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of :func:`scorecard` rows."""
    truth = "precision_at_k" in rows[0]
    head = "| method | baseline | completeness error | deletion AUC (random) |"
    head += " precision@k | rank corr. |" if truth else ""
    lines = [head + " seconds |", "|" + "---|" * (head.count("|"))]
    for r in rows:
        completeness = "-" if r["completeness_error"] is None else f"{r['completeness_error']:.2e}"
        line = (
            f"| {r['method']} | {r['baseline']} | {completeness} | "
            f"{r['deletion_auc']:.3f} ({r['random_deletion_auc']:.3f}) |"
        )
        if truth:
            line += f" {r['precision_at_k']:.2f} | {r['rank_correlation']:.2f} |"
        lines.append(line + f" {r['seconds']:.3f} |")
    return "\n".join(lines)
