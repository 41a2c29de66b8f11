"""Seed aggregation against numpy's own definitions."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.evaluate.seeds import mean_std, summary


def test_mean_and_sample_std_over_seeds() -> None:
    rows = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 5.0], [4.0, 2.0, 4.0]])
    mean, std = mean_std(rows)
    np.testing.assert_allclose(mean, [7 / 3, 2.0, 4.0], rtol=1e-15)
    np.testing.assert_allclose(std, np.sqrt(((rows - rows.mean(0)) ** 2).sum(0) / 2), rtol=1e-15)


def test_a_single_seed_has_zero_spread() -> None:
    mean, std = mean_std([[0.5, 0.25]])
    assert mean.tolist() == [0.5, 0.25]
    assert std.tolist() == [0.0, 0.0]
    assert summary([0.9]) == {"mean": 0.9, "std": 0.0, "values": [0.9]}
    assert summary([1.0, 3.0])["std"] == pytest.approx(np.sqrt(2.0), rel=1e-15)


def test_statistics_text_of_an_aggregated_rejection() -> None:
    from jetxai.evaluate.seeds import statistics_text

    metric = {"mean": 500.0, "std": 20.0, "stat": [90.0, None], "passing": [12.0, 9.4]}
    assert statistics_text(metric) == "+∞ −90 (stat); 9–12 pass"
    assert statistics_text({"mean": 1.0, "std": 0.0, "values": [1.0]}) == ""
