"""Explaining a run's checkpoints on their test split: batching and the conservation probe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from jetxai.explain.lrp import engine
from jetxai.studies.explain import explain_run
from jetxai.train import TrainConfig, train


def test_batches_give_the_same_relevances_and_probe_once(
    run: Path, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    calls = []
    original = engine._check_conservation
    monkeypatch.setattr(engine, "_check_conservation", lambda *a: calls.append(1) or original(*a))
    datasets = [run / "top", run / "qcd"]
    whole = explain_run(run / "run", datasets, tmp_path / "a", batch_size=512, progress=False)
    assert len(calls) == 1
    calls.clear()
    split = explain_run(run / "run", datasets, tmp_path / "b", batch_size=3, progress=False)
    assert len(calls) == 1  # the model is probed once, not once per batch of 3
    # batching changes relevances only by float32 round-off (so not the ranking)
    a, b = whole["seeds"][0]["ranking"], split["seeds"][0]["ranking"]
    assert a["order"] == b["order"]
    for name in a["order"]:
        for part in ("all", "signal", "background"):
            assert a["mean_abs_relevance"][name][part] == pytest.approx(
                b["mean_abs_relevance"][name][part], rel=1e-5
            )


def test_the_uniform_baseline_is_drawn_per_explained_jet(run: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    datasets = [run / "top", run / "qcd"]
    report = explain_run(
        run / "run", datasets, tmp_path, method="ig", baseline="uniform", n_steps=64, k=4,
        batch_size=5, progress=False,
    )  # fmt: skip
    assert report["options"]["baseline"] == "uniform"
    table = pq.read_table(tmp_path / "relevance-seed-0.parquet").to_pydict()
    # completeness: Σ attributions = f(x) − f(x′) with each jet's own x′, so the delta is small
    # against the logit (IG with 64 Gauss–Legendre points on a smooth ReLU network)
    deltas = [abs(d) for d in table["delta"]]
    logits = [abs(v) for v in table["logit"]]
    assert len(deltas) == len(logits) > 5
    assert sorted(deltas)[len(deltas) // 2] < 0.05 * max(sorted(logits)[len(logits) // 2], 1.0)


@pytest.fixture
def nearest_baseline() -> Iterator[str]:
    """A per-jet baseline registered as a user would: each explained jet's nearest background
    jet (Euclidean, in the network's standardised inputs)."""
    from jetxai.explain import BASELINES

    @BASELINES.register("nearest", background=True, per_jet=True)
    def nearest(inputs: Any, background: Any = None, **_: Any) -> tuple[torch.Tensor, ...]:
        flat = torch.cat([x.flatten(1) for x in inputs], dim=1)
        pool = torch.cat([b.flatten(1) for b in background], dim=1)
        closest = torch.cdist(flat.double(), pool.double()).argmin(dim=1)
        return tuple(b[closest] for b in background)

    try:
        yield "nearest"
    finally:
        del BASELINES["nearest"]


def test_a_registered_per_jet_baseline_runs_through_the_study_and_the_scorecard(
    run: Path, tmp_path: Path, nearest_baseline: str
) -> None:
    import pyarrow.parquet as pq

    from jetxai.models import load, prepare_inputs
    from jetxai.studies.background import background_rows
    from jetxai.studies.checkpoints import training_samples

    datasets = [run / "top", run / "qcd"]
    report = explain_run(
        run / "run", datasets, tmp_path, method="ig", baseline=nearest_baseline, n_steps=64,
        batch_size=5, max_jets=40, progress=False,
    )  # fmt: skip
    # the reference: every explained jet's nearest training background jet, found here by a
    # plain loop over the background in numpy, and f(x) − f(x′) from the model
    model = load(run / "run" / "seed-0")
    samples = training_samples(model, datasets)
    (background,), _ = prepare_inputs(model, samples.jets[background_rows(samples)])
    table = pq.read_table(tmp_path / "relevance-seed-0.parquet").to_pydict()
    rows = samples.test[np.asarray(table["test_row"])]
    (inputs,), _ = prepare_inputs(model, samples.jets[rows])
    pool = background.double().numpy()
    nearest = np.array([np.argmin(((pool - x) ** 2).sum(axis=1)) for x in inputs.double().numpy()])
    with torch.no_grad():
        difference = (model(inputs) - model(background[nearest])).double().numpy().ravel()
    attributed = sum(np.asarray(table[f"rel_xaug_{name}"]) for name in ("mass", "tau32"))
    # completeness against each jet's own nearest background jet (64 Gauss-Legendre points on
    # a smooth network: well within 2 % of the largest |f(x) − f(x′)|)
    np.testing.assert_allclose(attributed, difference, atol=0.02 * np.abs(difference).max())
    card = report["seeds"][0]["scorecard"]
    scored = {row["baseline"]: row for row in card if row["method"] == "ig"}
    assert {"zero", "mean", "averaged (uniform)", "uniform", nearest_baseline} <= set(scored)
    assert scored[nearest_baseline]["completeness_error"] < 0.05


def test_adaptive_ig_steps_are_recorded_per_jet_and_meet_the_tolerance(
    run: Path, tmp_path: Path
) -> None:
    import numpy as np
    import pyarrow.parquet as pq

    from jetxai.explain.integrated_gradients import ABSOLUTE_FLOOR

    datasets = [run / "top", run / "qcd"]
    report = explain_run(
        run / "run", datasets, tmp_path, method="ig", n_steps="auto", tolerance=0.02, k=4,
        batch_size=7, progress=False,
    )  # fmt: skip
    assert report["options"]["n_steps"] == "auto"
    assert report["options"]["tolerance"] == 0.02
    table = pq.read_table(tmp_path / "relevance-seed-0.parquet").to_pydict()
    steps, delta = np.array(table["ig_steps"]), np.array(table["delta"])
    relevance = sum(np.array(table[f"rel_xaug_{name}"]) for name in ("mass", "tau32"))
    difference = relevance - delta  # f(x) − Σ_k w_k f(x′_k), per jet
    assert np.all(np.abs(delta) <= 0.02 * np.abs(difference) + ABSOLUTE_FLOOR * 1.01)
    assert steps.min() >= 4
    assert report["seeds"][0]["ig_steps"]["max"] == steps.max()
    assert report["seeds"][0]["ig_steps"]["mean"] == pytest.approx(steps.mean())


def test_exact_ig_steps_conserve_the_logit_to_round_off(run: Path, tmp_path: Path) -> None:
    """``n_steps="exact"`` on the (piecewise-linear) dnn: every jet's relevances add up to
    f(x) − f̄(x′) to float64 round-off, and the linear pieces walked are recorded per jet."""
    import pyarrow.parquet as pq

    datasets = [run / "top", run / "qcd"]
    report = explain_run(
        run / "run", datasets, tmp_path, method="ig", n_steps="exact", k=4, progress=False
    )
    assert report["options"]["n_steps"] == "exact"
    table = pq.read_table(tmp_path / "relevance-seed-0.parquet").to_pydict()
    relevance = sum(np.array(table[f"rel_xaug_{name}"]) for name in ("mass", "tau32"))
    delta = np.array(table["delta"])
    assert np.abs(delta).max() < 1e-6 * max(np.abs(relevance - delta).max(), 1e-3)
    assert min(table["ig_steps"]) >= 4  # at least one piece for each of the 4 baseline jets


@pytest.mark.parametrize("model", ["part", "particlenet"])
def test_attention_and_graph_models_report_their_shares(
    run: Path, tmp_path: Path, model: str
) -> None:
    import numpy as np
    import pyarrow.parquet as pq

    datasets = [run / "top", run / "qcd"]
    config = TrainConfig(
        model=model, xaug=["mass", "tau32"], seeds=1, epochs=1, batch_size=16, n_constituents=16
    )
    train(config, datasets, tmp_path / "run", progress=False)
    report = explain_run(
        tmp_path / "run", datasets, tmp_path / "explain", softmax="identity", progress=False
    )
    seed = report["seeds"][0]
    table = pq.read_table(tmp_path / "explain" / "relevance-seed-0.parquet").to_pydict()
    # with the conservative softmax the particles, XAUGs and sources carry the whole logit but
    # for the biases: the delta is what the network's biases absorb, no more
    shares = seed["shares"] if model == "part" else None
    profile = seed["pair_profile_dr"]
    if model == "part":
        assert set(shares) == {"particles", "xaug", "pairs", "token_share"}
        assert sum(s["all"] for s in shares.values()) == pytest.approx(1.0)
        assert {"rel_pairs", "rel_token_share"} <= set(table)
        assert set(profile) == {"pairs"}
    else:
        assert "shares" not in seed  # nothing of its own besides particles and XAUGs
        assert set(profile) == {"blocks.0.edges", "blocks.1.edges"}
    subjets = seed["subjet_share"]
    assert set(subjets) == {"subjet_1", "subjet_2", "subjet_3"}
    assert sum(v["all"] for v in subjets.values()) == pytest.approx(1.0)
    for name in profile:
        assert len(profile[name]["all"]) == 10
        assert np.isfinite(profile[name]["all"]).all()
        assert max(profile[name]["all"]) > 0


def test_a_limited_explanation_takes_both_classes() -> None:
    import numpy as np

    from jetxai.studies.explain import balanced_subset

    # the test split lists one dataset after the other: the first jets are all signal
    labels = np.array([1] * 50 + [0] * 30)
    pick = balanced_subset(labels, 20)
    assert len(pick) == 20
    assert (labels[pick] == 1).sum() == 10
    assert np.all(np.diff(pick) > 0)
    # a class with too few jets gives what it has; the other fills up
    few = balanced_subset(np.array([1] * 50 + [0] * 4), 20)
    assert (np.array([1] * 50 + [0] * 4)[few] == 0).sum() == 4
    assert len(few) == 20
    assert balanced_subset(labels, 500).tolist() == list(range(80))


def test_shapley_values_of_the_xaugs_run_through_the_study(run: Path, tmp_path: Path) -> None:
    """explain --method shapley: every test jet's XAUG Shapley values against the averaged
    baseline's background jets add up to its logit less the background's mean logit."""
    import pyarrow.parquet as pq

    from jetxai.models import load
    from jetxai.studies.background import background_baseline
    from jetxai.studies.checkpoints import SplitCache

    datasets = [run / "top", run / "qcd"]
    report = explain_run(run / "run", datasets, tmp_path, method="shapley", k=6, progress=False)
    assert report["method"] == "shapley"
    assert report["options"] == {"baseline": "averaged", "weights": "uniform", "k": 6}
    assert set(report["ensemble_ranking"]["order"]) == {"mass", "tau32"}
    table = pq.read_table(tmp_path / "relevance-seed-0.parquet").to_pandas()
    model = load(run / "run" / "seed-0")
    samples = SplitCache(datasets)(model)
    background = background_baseline(model, samples, "averaged", "uniform", 6)
    (draws,) = background.as_tuple()
    with torch.no_grad():
        mean_logit = float((background.weights.double() * model(draws).double()).sum())
    total = table["rel_xaug_mass"] + table["rel_xaug_tau32"]
    np.testing.assert_allclose(total, table["logit"] - mean_logit, rtol=1e-5, atol=1e-5)
    assert np.abs(table["delta"]).max() < 1e-9
