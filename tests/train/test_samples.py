"""Train / validation / test splits: by record identity, or fixed by the data themselves."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.errors import InputError
from jetxai.generate import GeneratorConfig, generate
from jetxai.train import load_samples

from ..conftest import SMALL_QCD


@pytest.fixture(scope="module")
def qcd_test_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("qcd-test")
    config = dataclasses.replace(SMALL_QCD, seed=99, n_jets=30, chunk_size=30, split="test")
    generate(config, root, progress=False)
    return root


def test_a_sample_generated_for_testing_only_joins_the_test_split(
    top_dataset: Path, qcd_dataset: Path, qcd_test_only: Path
) -> None:
    jets = data.read(qcd_test_only)
    assert ak.to_list(jets.split) == ["test"] * 30
    plain = load_samples([top_dataset, qcd_dataset])
    more = load_samples([top_dataset, qcd_dataset, qcd_test_only])
    # the identity-split datasets keep exactly their split; the extra sample is all test
    n = len(plain.jets)
    assert np.array_equal(more.train, plain.train)
    assert np.array_equal(more.val, plain.val)
    assert np.array_equal(more.test[: len(plain.test)], plain.test)
    assert np.array_equal(more.test[len(plain.test) :], np.arange(n, n + 30))
    assert more.provenance["split"]["method"] == "identity-hash"
    assert len(more.provenance["split"]["fixed"]) == 1


def test_bad_split_values_are_refused(qcd_test_only: Path, tmp_path: Path) -> None:
    from ..conftest import SMALL_TOP

    with pytest.raises(InputError, match="unknown split 'holdout'; choose from train, val, test"):
        GeneratorConfig(process="qcd", n_jets=1, split="holdout")
    # only fixed test data: nothing to train on, said so
    config = dataclasses.replace(SMALL_TOP, seed=97, n_jets=4, chunk_size=4, split="test")
    generate(config, tmp_path / "top-test", progress=False)
    with pytest.raises(InputError, match="the split gives 0 train, 0 validation and 34 test"):
        load_samples([tmp_path / "top-test", qcd_test_only])


def test_a_dataset_written_with_the_old_split_codes_reads_the_same(
    top_dataset: Path, qcd_dataset: Path, qcd_test_only: Path, tmp_path: Path
) -> None:
    import shutil

    from jetxai.data.dataset import chunk_index
    from jetxai.data.schema import split_codes

    # the same sample with its split stored as the codes jetxai wrote before (2 = test)
    old = tmp_path / "old"
    shutil.copytree(qcd_test_only, old)
    manifest = data.read_manifest(old)
    for path in data.list_chunks(old):
        jets = data.read_chunk(path)
        codes = np.full(len(jets), 2, dtype=np.int8)
        data.write_chunk(old, chunk_index(path), ak.with_field(jets, codes, "split"),
                         data.chunk_meta(path))  # fmt: skip
    for entry in manifest["chunks"]:
        entry["blake2b"] = data.file_digest(data.chunk_path(old, entry["index"]))
    data.write_manifest(old, manifest)
    assert ak.to_list(data.read(old).split) == [2] * 30
    new = load_samples([top_dataset, qcd_dataset, qcd_test_only])
    again = load_samples([top_dataset, qcd_dataset, old])
    for part in ("train", "val", "test"):
        assert np.array_equal(getattr(again, part), getattr(new, part))
    with pytest.raises(InputError, match="split holds code"):
        split_codes(np.array([0, 3]))


def test_imported_data_record_an_unknown_cross_section_and_xsec_weights_say_so(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    """Imported data carry no cross-section: the provenance says null (not 0), and weighting
    by cross-section is refused by name instead of falling back to uniform weights."""
    from jetxai.data.imports import import_dataset
    from jetxai.data.jetclass import write_jetclass

    # One import per part of the split: a hashed split of 24 jets may leave a part empty (the
    # ROOT file's bytes, and so the hash, change with its write time).
    top, qcd = data.read(top_dataset), data.read(qcd_dataset)
    parts = [tmp_path / part for part in ("train", "val", "test")]
    for i, part in enumerate(parts):
        jets = ak.concatenate([top[4 * i : 4 * i + 4], qcd[4 * i : 4 * i + 4]])
        source = write_jetclass(tmp_path / f"{part.name}.root", jets)
        import_dataset("jetclass", [source], part, split=part.name, progress=False)
    samples = load_samples(parts)
    assert samples.provenance["cross_sections"] == {
        "qcd": {"cross_section_pb": None, "events_tried": None},
        "top": {"cross_section_pb": None, "events_tried": None},
    }
    with pytest.raises(InputError, match=r"cross-section of qcd, top is unknown"):
        samples.cross_section_weight()
    generated = load_samples([top_dataset, qcd_dataset])
    weights = generated.cross_section_weight()
    top = data.read_manifest(top_dataset)
    expected = top["cross_section_pb"] / top["events_tried"]
    np.testing.assert_allclose(weights[generated.processes == "top"], expected)
