"""Adding XAUG columns to a dataset on disk: values, atomic chunks and resume."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from jetxai import data
from jetxai.errors import InputError
from jetxai.features import add_xaug, column, xaug


def test_columns_match_in_memory_values_and_rerun_is_a_no_op(
    top_dataset: Path, tmp_path: Path
) -> None:
    root = tmp_path / "copy"
    shutil.copytree(top_dataset, root)
    manifest = add_xaug(root, ["mass", "tau32"], progress=False)
    assert manifest["xaug"] == ["mass", "tau32"]
    jets = data.read(root)
    expected = xaug(data.read(top_dataset), ["mass", "tau32"])
    for name, values in expected.items():
        np.testing.assert_allclose(jets[column(name)].to_numpy(), values, rtol=1e-12)
    before = [p.stat().st_mtime_ns for p in data.list_chunks(root)]
    add_xaug(root, ["tau32"], progress=False)
    assert [p.stat().st_mtime_ns for p in data.list_chunks(root)] == before
    # the chunks keep their generator book-keeping
    assert data.chunk_meta(data.list_chunks(root)[0])["index"] == 0


def test_resume_finishes_chunks_left_without_columns(top_dataset: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(top_dataset, root)
    add_xaug(root, ["d2"], progress=False)
    # simulate a crash before the last chunk: put it and its manifest entry back as they were
    shutil.copy(data.chunk_path(top_dataset, 2), data.chunk_path(root, 2))
    manifest = data.read_manifest(root)
    manifest["chunks"][2] = data.read_manifest(top_dataset)["chunks"][2]
    data.write_manifest(root, manifest)
    add_xaug(root, ["d2"], progress=False)
    assert column("d2") in data.read(root).fields


def test_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a jetxai dataset"):
        add_xaug(tmp_path, progress=False)


def test_event_datasets_are_refused(vlq_dataset: Path) -> None:
    with pytest.raises(
        InputError, match="XAUG variables are per jet; this is an event-level dataset"
    ):
        add_xaug(vlq_dataset, progress=False)


def test_tau_columns_follow_the_chosen_axes(top_dataset: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(top_dataset, root)
    jets = data.read(top_dataset)
    manifest = add_xaug(root, ["tau21", "mass"], progress=False, tau_axes="kt")
    assert manifest["xaug_tau_axes"] == "kt"
    # another choice recomputes the τ columns (never keeps values made with other axes)
    manifest = add_xaug(root, ["mass"], progress=False)
    assert manifest["xaug_tau_axes"] == "onepass_kt"
    stored = data.read(root)[column("tau21")].to_numpy()
    np.testing.assert_allclose(stored, xaug(jets, ["tau21"])["tau21"], rtol=1e-12)
    kt = xaug(jets, ["tau21"], tau_axes="kt")["tau21"]
    assert not np.allclose(stored, kt)


def test_a_crash_between_chunk_and_manifest_writes_is_finished(
    top_dataset: Path, tmp_path: Path
) -> None:
    root = tmp_path / "copy"
    shutil.copytree(top_dataset, root)
    add_xaug(root, ["d2"], progress=False)
    manifest = data.read_manifest(root)
    manifest["chunks"][1]["blake2b"] = None  # the mark written before the chunk's rewrite
    data.write_manifest(root, manifest)
    add_xaug(root, ["d2", "mass"], progress=False)
    assert column("mass") in data.read(root).fields  # every hash is current again


def test_a_damaged_dataset_is_not_rehashed_as_good(top_dataset: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(top_dataset, root)
    path = data.chunk_path(root, 1)
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(InputError, match="content differs"):
        add_xaug(root, ["d2"], progress=False)
