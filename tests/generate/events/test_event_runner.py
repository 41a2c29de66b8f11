"""Event-level datasets end to end: exact counts, weights, cut flow, determinism and resume."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.data.dataset import chunk_path
from jetxai.data.schema import EVENT_FEATURES, EVENT_FIELDS
from jetxai.errors import InputError
from jetxai.generate import generate

from ...conftest import SMALL_VLQ


def test_dataset_holds_exactly_n_selected_events(vlq_dataset: Path) -> None:
    events = data.read(vlq_dataset)
    assert len(events) == SMALL_VLQ.n_events
    assert set(EVENT_FEATURES) | set(EVENT_FIELDS) <= set(ak.fields(events))
    assert len(set(ak.to_list(events.event_id))) == len(events)
    manifest = data.read_manifest(vlq_dataset)
    assert manifest["kind"] == "events"
    assert manifest["events_kept"] == SMALL_VLQ.n_events
    assert manifest["complete"] is True
    assert manifest["weights_final"] is True


def test_weights_are_sigma_over_events_tried_and_sum_to_the_yield(vlq_dataset: Path) -> None:
    events = data.read(vlq_dataset)
    manifest = data.read_manifest(vlq_dataset)
    sigma, tried = manifest["cross_section_pb"], manifest["events_tried"]
    np.testing.assert_allclose(ak.to_numpy(events.weight), sigma / tried, rtol=1e-12)
    flow = manifest["cut_flow"]
    assert ak.sum(events.weight) == pytest.approx(flow["bjets"]["yield_pb"], rel=1e-12)
    assert flow["bjets"]["yield_pb"] == pytest.approx(sigma * SMALL_VLQ.n_events / tried)


def test_cut_flow_adds_up_over_chunks(vlq_dataset: Path) -> None:
    manifest = data.read_manifest(vlq_dataset)
    flow = manifest["cut_flow"]
    assert flow["generated"]["events"] == manifest["events_tried"]
    assert flow["bjets"]["events"] == SMALL_VLQ.n_events
    counts = [flow[s]["events"] for s in ("generated", "one_lepton", "jets", "bjets")]
    assert counts == sorted(counts, reverse=True)
    for stage in flow:
        assert flow[stage]["events"] == sum(c["cut_flow"][stage] for c in manifest["chunks"])


def test_same_seed_same_events_and_resume_after_a_lost_chunk(
    vlq_dataset: Path, tmp_path: Path
) -> None:
    generate(SMALL_VLQ, tmp_path, progress=False)
    chunk_path(tmp_path, 1).unlink()  # as if the run had died before its second chunk
    manifest = generate(SMALL_VLQ, tmp_path, progress=False)
    assert manifest["complete"] is True
    assert ak.to_list(data.read(tmp_path)) == ak.to_list(data.read(vlq_dataset))


def test_two_dask_workers_write_the_same_events(vlq_dataset: Path, tmp_path: Path) -> None:
    # the b-tagging draws are seeded per chunk, so they do not depend on the worker either
    generate(SMALL_VLQ, tmp_path, workers=2, progress=False)
    assert ak.to_list(data.read(tmp_path)) == ak.to_list(data.read(vlq_dataset))


def test_a_crash_while_writing_weights_is_finished_by_the_next_run(
    vlq_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jetxai.generate import runner

    calls = []
    real_write = runner.write_chunk

    def failing_write(*args: object, **kwargs: object) -> Path:
        calls.append(args)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "write_chunk", failing_write)
    with pytest.raises(OSError, match="disk full"):
        generate(SMALL_VLQ, tmp_path, progress=False)
    manifest = data.read_manifest(tmp_path)
    assert manifest["complete"] is False  # not usable until every chunk has its weight
    with pytest.raises(InputError, match="incomplete"):
        data.read(tmp_path)
    monkeypatch.undo()
    generate(SMALL_VLQ, tmp_path, progress=False)
    assert ak.to_list(data.read(tmp_path)) == ak.to_list(data.read(vlq_dataset))
