"""Whole-dataset generation: exact counts, determinism, Dask, resume and refusal of mismatches."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.errors import InputError
from jetxai.generate import generate

from ..conftest import SMALL_TOP


def _same_jets(a: Path, b: Path) -> None:
    assert ak.to_list(data.read(a)) == ak.to_list(data.read(b))


def test_manifest_records_the_run(top_dataset: Path) -> None:
    manifest = data.read_manifest(top_dataset)
    assert manifest["complete"] is True
    assert manifest["jets_kept"] == SMALL_TOP.n_jets
    assert manifest["config"] == SMALL_TOP.to_dict()
    assert manifest["events_tried"] >= SMALL_TOP.n_jets / 2  # at most two top jets per event
    assert manifest["cross_section_pb"] > 0
    assert manifest["cross_section_err_pb"] > 0
    assert {"pythia8mc", "fastjet", "awkward"} <= set(manifest["versions"])
    assert [c["index"] for c in manifest["chunks"]] == [0, 1, 2]
    assert sum(c["n_jets"] for c in manifest["chunks"]) == SMALL_TOP.n_jets
    assert "Random:seed = <seeds.chunks[i]>" in manifest["pythia_settings"]


def test_event_ids_are_unique_per_event(top_dataset: Path) -> None:
    jets = data.read(top_dataset)
    ids = jets.event_id.to_numpy()
    # a tt-bar event gives at most two top jets, so no id appears more than twice
    _, counts = np.unique(ids, return_counts=True)
    assert counts.max() <= 2


def test_same_seed_same_data_and_another_seed_differs(top_dataset: Path, tmp_path: Path) -> None:
    generate(SMALL_TOP, tmp_path / "again", progress=False)
    _same_jets(top_dataset, tmp_path / "again")
    other = dataclasses.replace(SMALL_TOP, seed=12, n_jets=8)
    generate(other, tmp_path / "other", progress=False)
    first = data.read(top_dataset)[:8].jet_pt.to_list()
    assert data.read(tmp_path / "other").jet_pt.to_list() != first


def test_two_local_dask_workers_give_identical_data(top_dataset: Path, tmp_path: Path) -> None:
    generate(SMALL_TOP, tmp_path, workers=2, progress=False)
    _same_jets(top_dataset, tmp_path)


def test_resume_generates_only_missing_chunks(top_dataset: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(top_dataset, root)
    data.chunk_path(root, 1).unlink()
    # an interrupted write leaves only a temporary file, which must not count as the chunk
    (root / "chunks" / ".chunk-00001.parquet.x1y2.tmp").write_bytes(b"PAR1")
    before = {i: data.chunk_path(root, i).stat().st_mtime_ns for i in (0, 2)}
    time.sleep(0.01)
    manifest = generate(SMALL_TOP, root, progress=False)
    assert manifest["complete"] is True
    assert {i: data.chunk_path(root, i).stat().st_mtime_ns for i in (0, 2)} == before
    _same_jets(top_dataset, root)


def test_a_different_config_is_refused(top_dataset: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(top_dataset, root)
    with pytest.raises(InputError, match=r"different config \(pt_max: 650.0 != 700.0\)"):
        generate(dataclasses.replace(SMALL_TOP, pt_max=700.0), root, progress=False)


def test_zero_workers_and_unknown_pythia_setting_fail_before_generating(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="workers"):
        generate(SMALL_TOP, tmp_path / "a", workers=0, progress=False)
    bad = dataclasses.replace(SMALL_TOP, pythia=("Nonsense:key = 3",))
    with pytest.raises(InputError, match="Nonsense:key"):
        generate(bad, tmp_path / "b", progress=False)
    assert not (tmp_path / "a").exists()
    assert not (tmp_path / "b").exists()


def test_generation_through_an_external_scheduler(
    top_dataset: Path, tmp_path: Path, dask_scheduler: str
) -> None:
    assert dask_scheduler.startswith("tcp://127.0.0.1:")
    generate(SMALL_TOP, tmp_path / "remote", scheduler=dask_scheduler, progress=False)
    _same_jets(top_dataset, tmp_path / "remote")


def test_an_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jetxai._dask

    monkeypatch.setattr(jetxai._dask, "SCHEDULER_TIMEOUT", "1s")
    with pytest.raises(InputError, match="cannot reach Dask scheduler"):
        generate(SMALL_TOP, tmp_path, scheduler="tcp://127.0.0.1:9", progress=False)


def test_a_default_window_that_misses_jets_warns_and_is_recorded(tmp_path: Path) -> None:
    from jetxai.generate import GenerationWarning, GeneratorConfig

    config = GeneratorConfig(process="top", n_jets=2, seed=5, chunk_size=2, batch_size=10)
    with pytest.warns(GenerationWarning, match="never generates about 14 %"):
        manifest = generate(config, tmp_path / "top", progress=False)
    assert manifest["caveats"] == config.caveats()
    assert data.read_manifest(tmp_path / "top")["caveats"] == config.caveats()
