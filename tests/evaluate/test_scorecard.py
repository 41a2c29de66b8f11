"""The baseline scorecard on a synthetic task with known relevant features."""

from __future__ import annotations

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
