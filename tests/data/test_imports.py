"""Importing public data: files written in the published layouts (the published column and
branch names are the reference), imported, trained on with their official split, explained."""

from __future__ import annotations

import json
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.data import formats, imports
from jetxai.data.imports import import_dataset
from jetxai.data.jetclass import write_jetclass
from jetxai.errors import InputError

from ..cli.test_generate_cli import jetxai
from .test_readers import _write_jetclass


def _write_top_landscape(path: Path, jets: ak.Array, ttv: int) -> None:
    """Jets in the published Top Landscape layout: pandas "fixed" HDF5, key "table", columns
    E_i, PX_i, PY_i, PZ_i for i < 200 (hardest first, zero padded), truthE, truthPX, ...,
    is_signal_new and ttv."""
    import pandas as pd

    columns: dict[str, np.ndarray] = {}
    n = 200
    for name, field in (
        ("E", "part_energy"),
        ("PX", "part_px"),
        ("PY", "part_py"),
        ("PZ", "part_pz"),
    ):
        padded = ak.to_numpy(ak.fill_none(ak.pad_none(jets[field], n, clip=True), 0.0))
        for i in range(n):
            columns[f"{name}_{i}"] = padded[:, i]
    for name in ("truthE", "truthPX", "truthPY", "truthPZ"):
        columns[name] = np.zeros(len(jets))
    columns["ttv"] = np.full(len(jets), ttv, dtype=np.int64)
    columns["is_signal_new"] = (ak.to_numpy(jets.process) == "top").astype(np.int64)
    pd.DataFrame(columns).to_hdf(path, key="table", mode="w")


@pytest.fixture(scope="module")
def landscape_files(
    top_dataset: Path, qcd_dataset: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[Path]:
    root = tmp_path_factory.mktemp("landscape")
    top, qcd = data.read(top_dataset), data.read(qcd_dataset)
    files = []
    # the published files: train (ttv 0), test (ttv 1), val (ttv 2)
    for name, ttv, rows in (
        ("train", 0, slice(0, 12)),
        ("test", 1, slice(12, 18)),
        ("val", 2, slice(18, 24)),
    ):
        path = root / f"{name}.h5"
        _write_top_landscape(path, ak.concatenate([top[rows], qcd[rows]]), ttv)
        files.append(path)
    return files


def test_top_landscape_files_become_a_dataset_with_the_official_split(
    landscape_files: list[Path], tmp_path: Path
) -> None:
    out = tmp_path / "tl"
    manifest = import_dataset("top-landscape", landscape_files, out, chunk_size=10, progress=False)
    assert manifest["complete"]
    assert manifest["official_split"]
    assert manifest["jets_kept"] == 48
    assert [s["file"] for s in manifest["sources"]] == ["train.h5", "test.h5", "val.h5"]
    assert [s["blake2b"] for s in manifest["sources"]] == [
        data.file_digest(f) for f in landscape_files
    ]
    jets = data.read(out)
    # ttv 0 → train (0), 1 → test (2), 2 → val (1), file by file
    # stored by name: Top Landscape's ttv 1 is the test set, 2 validation
    assert ak.to_list(jets.split) == ["train"] * 24 + ["test"] * 12 + ["val"] * 12
    assert ak.to_list(jets.ttv) == [0] * 24 + [1] * 12 + [2] * 12
    assert not any(ak.to_list(jets.has_pid))
    # streamed 10 jets at a time, the jets are those of each file read whole
    whole = ak.concatenate([data.read_top_landscape(f) for f in landscape_files])
    for field in ("part_px", "part_energy", "jet_pt", "jet_mass", "process"):
        assert ak.to_list(jets[field]) == ak.to_list(whole[field])
    # the same import again does nothing; other files into the same directory are refused
    before = {p.name: p.stat().st_mtime_ns for p in data.list_chunks(out)}
    assert (
        import_dataset("top-landscape", landscape_files, out, chunk_size=10, progress=False)
        == manifest
    )
    assert {p.name: p.stat().st_mtime_ns for p in data.list_chunks(out)} == before
    with pytest.raises(InputError, match="imported from other files"):
        import_dataset("top-landscape", landscape_files[:2], out, chunk_size=10, progress=False)


def test_an_interrupted_import_resumes_at_the_first_file_not_written(
    landscape_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "tl"
    calls = []
    original = imports.FORMATS["top-landscape"]

    def flaky(path: Path) -> ak.Array:
        calls.append(path.name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original.reader(path)

    monkeypatch.setitem(
        imports.FORMATS, "top-landscape", formats.PublicFormat(flaky, "", original.split)
    )
    with pytest.raises(KeyboardInterrupt):
        import_dataset("top-landscape", landscape_files, out, chunk_size=10, progress=False)
    assert data.read_manifest(out)["complete"] is False
    first = {p.name: p.stat().st_mtime_ns for p in data.list_chunks(out)}
    manifest = import_dataset("top-landscape", landscape_files, out, chunk_size=10, progress=False)
    assert calls == ["train.h5", "test.h5", "test.h5", "val.h5"]  # train.h5 not read again
    assert manifest["complete"]
    assert manifest["jets_kept"] == 48
    assert all(
        data.list_chunks(out)[i].stat().st_mtime_ns == t for i, t in enumerate(first.values())
    )


def _chunk_digests(root: Path) -> list[str]:
    return [data.file_digest(p) for p in data.list_chunks(root)]


def test_an_import_stopped_inside_a_file_resumes_at_the_next_chunk(
    landscape_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = import_dataset("top-landscape", landscape_files, tmp_path / "whole", chunk_size=5,
                           progress=False)  # fmt: skip
    written: list[int] = []
    original = imports.write_chunk

    def stop_at_the_fourth(root, index, *args, **kwargs):  # type: ignore[no-untyped-def]
        if len(written) == 3:
            raise KeyboardInterrupt  # Ctrl-C inside train.h5 (24 jets: five chunks of <= 5)
        written.append(index)
        return original(root, index, *args, **kwargs)

    out = tmp_path / "stopped"
    with monkeypatch.context() as patched:
        patched.setattr(imports, "write_chunk", stop_at_the_fourth)
        with pytest.raises(KeyboardInterrupt):
            import_dataset("top-landscape", landscape_files, out, chunk_size=5, progress=False)
    assert data.read_manifest(out)["complete"] is False
    assert len(data.read_manifest(out)["chunks"]) == 3
    kept = {p.name: p.stat().st_mtime_ns for p in data.list_chunks(out)}
    resumed = import_dataset("top-landscape", landscape_files, out, chunk_size=5, progress=False)
    assert resumed == whole  # the same manifest (chunk hashes included) ...
    assert _chunk_digests(out) == _chunk_digests(tmp_path / "whole")  # ... and the same chunks
    assert all(p.stat().st_mtime_ns == kept[p.name] for p in data.list_chunks(out)[:3])
    # a damaged chunk is found by its hash and written again, with everything after it
    damaged = data.list_chunks(out)[1]
    damaged.write_bytes(b"not parquet")
    again = import_dataset("top-landscape", landscape_files, out, chunk_size=5, progress=False)
    assert again == whole
    assert _chunk_digests(out) == _chunk_digests(tmp_path / "whole")


def test_training_and_explaining_use_the_official_split(
    landscape_files: list[Path], tmp_path: Path
) -> None:
    from jetxai.features import add_xaug
    from jetxai.studies.explain import explain_run
    from jetxai.train import TrainConfig, load_samples, train

    out = tmp_path / "tl"
    import_dataset("top-landscape", landscape_files, out, chunk_size=10, progress=False)
    add_xaug(out, ["mass", "tau32"], progress=False)
    samples = load_samples([out])
    assert samples.provenance["split"] == {"method": "official"}
    split = np.asarray(ak.to_list(samples.jets.split))
    assert (split[samples.test] == "test").all()
    assert len(samples.test) == 12
    assert (split[samples.val] == "val").all()
    assert (split[samples.train] == "train").all()
    config = TrainConfig(model="dnn", xaug=["mass", "tau32"], seeds=1, epochs=1, batch_size=8)
    metrics = train(config, [out], tmp_path / "run", progress=False)
    assert metrics["data"]["split"] == {"method": "official"}
    report = explain_run(tmp_path / "run", [out], tmp_path / "explain", progress=False)
    assert sorted(report["ensemble_ranking"]["order"]) == ["mass", "tau32"]


def test_jetclass_files_stream_in_chunks_with_the_jets_of_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "JetClass_val.root"
    _write_jetclass(path)
    manifest = import_dataset(
        "jetclass", [path], tmp_path / "jc", split="val", chunk_size=1, progress=False
    )
    assert [c["n_jets"] for c in manifest["chunks"]] == [1, 1]  # one jet per chunk
    jets, whole = data.read(tmp_path / "jc"), data.read_jetclass(path)
    for field in ("part_px", "part_pid", "part_charge", "jet_pt", "process"):
        assert ak.to_list(jets[field]) == ak.to_list(whole[field])
    assert ak.to_list(jets.split) == ["val", "val"]


def test_compressed_energyflow_files_stream_block_by_block(tmp_path: Path) -> None:
    from jetxai.data.energyflow import stream_energyflow_qg

    generator = np.random.default_rng(3)
    x = np.zeros((7, 5, 4))
    x[..., 0] = generator.uniform(1, 100, (7, 5)) * (np.arange(5) < 3)  # three real particles
    x[..., 1:3] = generator.normal(0, 0.3, (7, 5, 2)) * (np.arange(5) < 3)[:, None]
    x[..., 3] = np.where(np.arange(5) < 3, 211, 0)
    path = tmp_path / "QG_jets.npz"
    np.savez_compressed(path, X=x, y=np.array([1, 0, 1, 1, 0, 0, 1]))
    pieces = stream_energyflow_qg(path, 3)
    first = next(pieces)  # a generator: the first block comes before the rest is read
    assert len(first) == 3
    assert [len(p) for p in pieces] == [3, 1]
    manifest = import_dataset(
        "energyflow-qg", [path], tmp_path / "ef", split="test", chunk_size=3, progress=False
    )
    assert [c["n_jets"] for c in manifest["chunks"]] == [3, 3, 1]
    jets, whole = data.read(tmp_path / "ef"), data.read_energyflow_qg(path)
    for field in ("part_px", "part_pz", "part_pid", "process"):
        assert ak.to_list(jets[field]) == ak.to_list(whole[field])
    np.testing.assert_allclose(ak.to_numpy(ak.num(whole.part_px)), 3)


def test_jetclass_files_take_their_part_of_the_split_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "JetClass_test.root"
    _write_jetclass(path)
    result = jetxai(
        "import", "jetclass", str(path), "--split", "test", "--out", str(tmp_path / "jc"), "--quiet"
    )
    assert result.returncode == 0, result.stderr
    assert "2 jets from 1 file(s), with the official split" in result.stdout
    jets = data.read(tmp_path / "jc")
    assert ak.to_list(jets.split) == ["test", "test"]
    manifest = json.loads((tmp_path / "jc" / "manifest.json").read_text())
    assert manifest["source_format"] == "jetclass"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["top-landscape", "missing.h5"], "no such file"),
        (["top-landscape", "{file}", "--split", "test"], "carry their official split"),
        (["cosmic", "{file}"], "invalid choice"),
        (["top-landscape", "{file}", "{file}"], "more than once"),
    ],
)
def test_bad_imports_are_one_line_errors(
    arguments: list[str], message: str, landscape_files: list[Path], tmp_path: Path
) -> None:
    args = [a.format(file=landscape_files[0]) for a in arguments]
    result = jetxai("import", *args, "--out", str(tmp_path / "x"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert message in result.stderr


def test_constituent_inputs_follow_what_the_data_carry(
    landscape_files: list[Path], tmp_path: Path
) -> None:
    from jetxai.features.constituents import NEEDS_PID
    from jetxai.models import load
    from jetxai.train import TrainConfig, train

    out = tmp_path / "tl"
    import_dataset("top-landscape", landscape_files, out, chunk_size=10, progress=False)
    config = TrainConfig(model="pfn", seeds=1, epochs=1, batch_size=8, n_constituents=16)
    train(config, [out], tmp_path / "pfn", progress=False)
    fields = load(tmp_path / "pfn" / "seed-0").spec.constituent_fields
    assert fields  # kinematics only: no constant charge or particle-type columns
    assert not set(fields) & set(NEEDS_PID)
    chosen = TrainConfig(model="pfn", seeds=1, epochs=1, constituent_fields=["deta", "dphi"])
    train(chosen, [out], tmp_path / "chosen", progress=False)
    assert load(tmp_path / "chosen" / "seed-0").spec.constituent_fields == ["deta", "dphi"]
    refused = jetxai(
        "train", "--data", str(out), "--model", "pfn", "--features", "deta,charge",
        "--epochs", "1", "--seeds", "1", "--out", str(tmp_path / "x"),
    )  # fmt: skip
    assert refused.returncode == 2
    assert "charge" in refused.stderr
    assert "particle" in refused.stderr or "identity" in refused.stderr


def test_the_demo_study_runs_on_imported_data_and_reports_it(
    landscape_files: list[Path], tmp_path: Path
) -> None:
    import json

    from jetxai.studies import run_demo

    out = tmp_path / "tl"
    import_dataset("top-landscape", landscape_files, out, chunk_size=10, progress=False)
    page = run_demo(tmp_path / "study", quick=True, progress=False, data=[out])
    html = page.read_text()
    assert "study on the datasets given: tl (" in html
    assert "<td>qcd, top (top-landscape)</td><td>48</td><td>—</td>" in html
    metrics = json.loads((page.parent / "metrics.json").read_text())
    (sample,) = metrics["datasets"]
    assert sample["name"] == "tl"
    assert sample["process"] == "qcd, top (top-landscape)"
    assert sample["jets"] == 48
    assert sample["events"] is None  # imported: no generator numbers, shown as —
    assert not (tmp_path / "study" / "data").exists()  # nothing generated
    for model in ("dnn", "pfn", "pfn-xaug"):  # trained and tested on the official split
        run = json.loads((tmp_path / "study" / "runs" / model / "metrics.json").read_text())
        assert run["data"]["split"] == {"method": "official"}


def test_jetclass_files_of_jetxai_jets_go_through_the_whole_demo_study(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    from jetxai.studies import run_demo

    top, qcd = data.read(top_dataset), data.read(qcd_dataset)
    parts = []
    for part, rows in (("train", slice(0, 12)), ("val", slice(12, 18)), ("test", slice(18, 24))):
        path = tmp_path / f"JetClass_{part}.root"
        write_jetclass(path, ak.concatenate([top[rows], qcd[rows]]))
        import_dataset("jetclass", [path], tmp_path / part, split=part, progress=False)
        parts.append(tmp_path / part)
    imported = data.read(tmp_path / "train")
    assert ak.to_list(imported.part_charge) == ak.to_list(
        ak.concatenate([top[:12], qcd[:12]]).part_charge
    )
    page = run_demo(tmp_path / "study", quick=True, progress=False, data=parts)
    metrics = json.loads((page.parent / "metrics.json").read_text())
    assert [d["name"] for d in metrics["datasets"]] == ["train", "val", "test"]
    assert {d["process"] for d in metrics["datasets"]} == {"qcd, top (jetclass)"}
    run = json.loads((tmp_path / "study" / "runs" / "pfn-xaug" / "metrics.json").read_text())
    assert run["data"]["split"] == {"method": "official"}
    assert run["data"]["n_jets"] == {"train": 24, "val": 12, "test": 12}  # as the files split
    # JetClass records no cross-section: IG's background jets are weighted uniformly, and the
    # page says why (they fell back to uniform weights silently before)
    ig = json.loads(
        (tmp_path / "study" / "explain" / "ig-dnn-averaged" / "ranking.json").read_text()
    )
    assert ig["options"]["weights"] == "uniform"
    assert "weighted uniformly (train, val, test record no cross-section)" in page.read_text()
