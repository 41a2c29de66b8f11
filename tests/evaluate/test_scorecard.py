"""The baseline scorecard on a synthetic task with known relevant features."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from jetxai.evaluate.attribution_quality import synthetic_task
from jetxai.evaluate.scorecard import format_scorecard, scorecard


def test_scorecard_rows_and_ground_truth() -> None:
    x, y, relevant = synthetic_task("shift", 600, n_features=5, informative=2, seed=0)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 1), nn.Flatten(0))
    optimiser = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(150):
        optimiser.zero_grad()
        nn.functional.binary_cross_entropy_with_logits(model(x), y).backward()
        optimiser.step()
    model.eval()
    background = x[y == 0]
    rows = scorecard(model, x[y == 1][:50], background[:200], relevant=relevant, n_steps=16, k=8)
    finer = scorecard(model, x[y == 1][:50], background[:200], relevant=relevant, n_steps=256, k=8)
    names = {(r["method"], r["baseline"]) for r in rows}
    assert {
        ("ig", "zero"),
        ("ig", "averaged (uniform)"),
        ("lrp", "-"),
        ("expected_gradients", "background"),
    } <= names
    averaged = next(r for r in rows if r["baseline"] == "averaged (uniform)")
    refined = next(r for r in finer if r["baseline"] == "averaged (uniform)")
    assert refined["completeness_error"] < 0.5 * averaged["completeness_error"]  # converges
    # the two shifted features are found far above chance (a random ranking scores 2/5)
    assert averaged["precision_at_k"] > 0.75
    assert averaged["rank_correlation"] > 0.5
    assert averaged["deletion_auc"] < averaged["random_deletion_auc"]
    table = format_scorecard(rows)
    assert table.count("\n") == len(rows) + 1
    assert "precision@k" in table


def test_scorecard_numbers_carry_their_standard_errors_over_the_jets() -> None:
    from jetxai.explain import integrated_gradients

    x, y, _ = synthetic_task("shift", 300, n_features=4, informative=2, seed=1)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1), nn.Flatten(0)).eval()
    inputs, background = x[y == 1][:40], x[y == 0][:100]
    rows = scorecard(model, inputs, background, n_steps=8, k=4)
    zero = next(r for r in rows if r["baseline"] == "zero")
    for r in rows:
        assert r["deletion_auc_stat"] > 0
        assert r["random_deletion_auc_stat"] > 0
        if r["completeness_error"] is not None:
            assert r["completeness_error_stat"] >= 0
    phi, delta = integrated_gradients(model, inputs, n_steps=8, return_convergence_delta=True)
    errors = delta.abs().double()
    assert zero["completeness_error_stat"] == pytest.approx(
        float(errors.std() / len(errors) ** 0.5), rel=1e-6
    )
    # the reference: each jet's deletion curve by hand (its top-k features set to the
    # background mean, k = 0…4), its area by the trapezoid rule
    fractions = np.linspace(0, 1, 5)
    per_jet = []
    for j in range(len(inputs)):
        order = phi[j].argsort(descending=True, stable=True)
        outputs = []
        for k in range(5):
            point = background.mean(dim=0).clone()
            point[order[k:]] = inputs[j][order[k:]]
            with torch.no_grad():
                outputs.append(float(model(point[None])[0]))
        per_jet.append(np.trapezoid(outputs, fractions))
    assert zero["deletion_auc"] == pytest.approx(np.mean(per_jet), rel=1e-6)
    assert zero["deletion_auc_stat"] == pytest.approx(
        np.std(per_jet, ddof=1) / np.sqrt(len(per_jet)), rel=1e-6
    )
