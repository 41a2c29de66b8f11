"""The relevance summary built chunk by chunk, against the summary functions on every jet at
once (each tested by hand in tests/evaluate)."""

from __future__ import annotations

import itertools
from pathlib import Path

import awkward as ak
import numpy as np
import pyarrow.parquet as pq
import pytest

from jetxai.evaluate import relevance as ev
from jetxai.models import load
from jetxai.studies import chunks
from jetxai.studies.checkpoints import SplitCache
from jetxai.studies.summary import (
    DR_EDGES,
    ETA_PHI_EDGES,
    SUBJETS,
    RelevanceSummary,
    chunk_parts,
)
from jetxai.train import TrainConfig, train


def _close(a: object, b: object) -> None:
    """Equal up to the order of floating-point additions (relative 1e-12)."""
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=1e-12, atol=1e-15)  # fmt: skip


def test_a_summary_added_chunk_by_chunk_equals_the_one_over_every_jet(
    run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jetxai.features.subjets import subjet_membership
    from jetxai.studies.summary import _constituent_quantities

    datasets = [run / "top", run / "qcd"]
    config = TrainConfig(
        model="pfn", xaug=["mass", "tau32"], seeds=1, epochs=1, batch_size=16, n_constituents=16
    )
    train(config, datasets, tmp_path / "run", progress=False)
    model = load(tmp_path / "run" / "seed-0")
    samples = SplitCache(datasets, lazy=True)(model)
    jets = samples.jets[samples.test]
    labels = samples.target[samples.test]
    # the relevances of every jet at once (the jets' parts are not what is summed up here)
    result: dict[str, np.ndarray] = {}
    with monkeypatch.context() as patched:
        patched.setattr(chunks, "chunk_parts", lambda r, *_: result.update(r) or r)
        chunks._batched("lrp", model, jets, labels, 7, {}, 0, None)
    # the same relevances in three uneven chunks, each turned into its parts and added up
    summary = RelevanceSummary(tmp_path / "r.parquet", model.spec)
    processes = samples.processes[samples.test]
    for a, b in itertools.pairwise([0, 3, 8, len(jets)]):
        piece = {k: v[a:b] for k, v in result.items() if not k.startswith("pair")}
        parts = chunk_parts(piece, jets[a:b], labels[a:b], model.spec)
        assert "low_level" not in parts  # the per-constituent relevance is not kept
        summary.add(parts, labels[a:b], np.arange(a, b), processes[a:b])
    summary.close()
    streamed = summary.summary()

    low, xaug, mask = result["low_level"], result["xaug"], result["mask"]
    dr, _, deta, dphi = _constituent_quantities(jets, mask.shape[1])
    per_constituent = low.sum(axis=-1)
    reference = {
        "ranking": ev.xaug_ranking(xaug, model.spec.xaug, labels),
        "xaug_share": ev.by_class(ev.branch_share(low, xaug), labels),
        "feature_share": ev.feature_shares(low, model.spec.constituent_fields, labels),
        "map_eta_phi": ev.eta_phi_map(per_constituent, mask, deta, dphi, labels, ETA_PHI_EDGES),
        "profile_dr": ev.constituent_profile(low, mask, dr, DR_EDGES),
        "subjet_share": ev.subjet_shares(
            low, subjet_membership(jets, mask.shape[1], SUBJETS), labels, SUBJETS
        ),
    }
    assert streamed["ranking"]["order"] == reference["ranking"]["order"]
    for name in model.spec.xaug:
        for kind in ("mean_abs_relevance", "mean_relevance"):
            _close(list(streamed["ranking"][kind][name].values()),
                   list(reference["ranking"][kind][name].values()))  # fmt: skip
        _close(streamed["ranking"]["share_interval"][name],
               reference["ranking"]["share_interval"][name])  # fmt: skip
    _close(list(streamed["xaug_share"].values()), list(reference["xaug_share"].values()))
    for name, shares in reference["feature_share"].items():
        _close(list(streamed["feature_share"][name].values()), list(shares.values()))
    for part in ("signal", "background"):
        _close(streamed["map_eta_phi"][part], reference["map_eta_phi"][part])
    _close(streamed["profile_dr"]["mean_relevance"], reference["profile_dr"]["mean_relevance"])
    assert streamed["profile_dr"]["counts"] == reference["profile_dr"]["counts"]
    for name, shares in reference["subjet_share"].items():
        _close(list(streamed["subjet_share"][name].values()), list(shares.values()))
    median = np.median(np.abs(result["delta"]) / (np.abs(result["logit"]) + 1e-12))
    assert streamed["conservation"]["median_abs_delta_over_logit"] == pytest.approx(median)
    # the file holds every jet once, in order, one row group per chunk
    stored = pq.ParquetFile(tmp_path / "r.parquet")
    assert stored.metadata.num_row_groups == 3
    table = stored.read().to_pydict()
    assert table["test_row"] == list(range(len(jets)))
    np.testing.assert_array_equal(table["rel_xaug_tau32"], xaug[:, 1])
    assert [len(c) for c in table["rel_constituents"]] == mask.sum(axis=1).tolist()
    assert table["process"] == ak.to_list(jets.process)


def test_a_failed_summary_leaves_no_relevance_file(run: Path, tmp_path: Path) -> None:
    model = load(run / "run" / "seed-0")
    summary = RelevanceSummary(tmp_path / "r.parquet", model.spec)
    samples = SplitCache([run / "top", run / "qcd"], lazy=True)(model)
    jets, labels = samples.jets[samples.test[:4]], samples.target[samples.test[:4]]
    parts = chunks._batched("lrp", model, jets, labels, 4, {}, 0, None)
    summary.add(parts, labels, np.arange(4), samples.processes[samples.test[:4]])
    summary.abort()
    assert list(tmp_path.iterdir()) == []
