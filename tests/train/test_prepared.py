"""Inputs prepared on disk: the same arrays and standardisation as built from jets in memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jetxai.models import default_spec
from jetxai.models.inputs import fit_standardisation, raw_inputs
from jetxai.train import load_samples
from jetxai.train.prepared import SPLITS, Moments, input_key, prepare


@pytest.mark.parametrize("sizes", [[7], [1, 5, 2], [100, 3, 50, 1]])
def test_moments_equal_numpy_on_the_whole_set(sizes: list[int]) -> None:
    rng = np.random.default_rng(3)
    parts = [rng.normal(5.0, 2.0, size=(n, 4)) * [1, 10, 1e-3, 1e4] for n in sizes]
    moments = Moments()
    for part in parts:
        moments.add(part)
    whole = np.concatenate(parts)
    mean, std = moments.standardisation()
    np.testing.assert_allclose(mean, whole.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(std, whole.std(axis=0), rtol=1e-12)


def test_a_constant_feature_gets_unit_std() -> None:
    moments = Moments()
    moments.add(np.ones((5, 2)))
    assert moments.standardisation()[1] == [1.0, 1.0]


def _prepare(datasets: list[Path], directory: Path, model: str, block_jets: int):  # type: ignore[no-untyped-def]
    samples = load_samples(datasets, lazy=True)
    spec = default_spec(model, ["mass", "tau32"], 16)
    weight = samples.balanced_weight()
    key = input_key(spec, samples.provenance, block_jets)
    prepared = prepare(
        spec, samples.jets, samples.split_codes(), samples.target, weight, samples.weight,
        directory, key, True, block_jets=block_jets, progress=False,
    )  # fmt: skip
    return samples, spec, prepared, weight


@pytest.mark.parametrize("model", ["pfn", "dnn"])
def test_blocks_hold_the_in_memory_inputs_of_each_split(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path, model: str
) -> None:
    datasets = [top_dataset, qcd_dataset]
    samples, spec, prepared, weight = _prepare(datasets, tmp_path / "p", model, block_jets=5)
    jets = load_samples(datasets).in_memory()
    raw = raw_inputs(spec, jets)
    for split, rows in zip(SPLITS, (samples.train, samples.val, samples.test), strict=True):
        blocks = [prepared.read(split, i) for i in range(len(prepared.blocks[split]))]
        assert all(len(b["row"]) == 5 for b in blocks[:-1])
        stored = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
        np.testing.assert_array_equal(stored["row"], rows)  # row order kept
        for name, values in raw.items():
            if name == "xaug":  # computed chunk by chunk: sums in another order, to 1e-12
                np.testing.assert_allclose(stored[name], values[rows], rtol=1e-12)
            else:
                np.testing.assert_array_equal(stored[name], values[rows].astype(np.float32))
        np.testing.assert_array_equal(stored["target"], samples.target[rows])
        loss = samples.weight if split == "test" else weight
        np.testing.assert_array_equal(stored["weight"], loss[rows].astype(np.float32))
        assert prepared.total_weight(split) == pytest.approx(loss[rows].sum(), rel=1e-6)
    # the reference: numpy on every training jet at once, in float64 (float32 constituents are
    # accumulated in float64 here, so the means are exact where numpy's float32 sums are not)
    reference = default_spec(model, ["mass", "tau32"], 16)
    fit_standardisation(
        reference, {k: v[samples.train].astype(np.float64, copy=False) if k != "mask" else
                    v[samples.train] for k, v in raw.items()}
    )  # fmt: skip
    np.testing.assert_allclose(spec.xaug_mean, reference.xaug_mean, rtol=1e-12)
    np.testing.assert_allclose(spec.xaug_std, reference.xaug_std, rtol=1e-12)
    np.testing.assert_allclose(spec.constituent_mean, reference.constituent_mean, rtol=1e-10)
    np.testing.assert_allclose(spec.constituent_std, reference.constituent_std, rtol=1e-10)


def test_a_complete_preparation_is_reused_and_another_key_rebuilds(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    datasets = [top_dataset, qcd_dataset]
    _, spec, _, _ = _prepare(datasets, tmp_path / "p", "dnn", block_jets=8)
    index = tmp_path / "p" / "prepared.json"
    before = index.stat().st_mtime_ns
    _, again, _, _ = _prepare(datasets, tmp_path / "p", "dnn", block_jets=8)
    assert index.stat().st_mtime_ns == before
    assert again.xaug_mean == spec.xaug_mean  # the standardisation comes back with the blocks
    _prepare(datasets, tmp_path / "p", "dnn", block_jets=6)
    assert index.stat().st_mtime_ns != before
    # an interrupted preparation (no index yet) is redone, not read
    index.unlink()
    _, _, prepared, _ = _prepare(datasets, tmp_path / "p", "dnn", block_jets=6)
    assert index.is_file()
    assert prepared.n_jets("train") > 0
