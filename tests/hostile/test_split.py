"""The test split is a property of the jets, not of the command line: the same jets are test
jets whatever the order of ``--data`` and whatever other datasets are given beside them, for
generated and imported data. The same jets given twice — the same directory again, a copy, a
link, a copy with XAUG columns added, the same published file imported twice — are refused
(they would be counted twice and could be trained on and tested on at once)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from jetxai import data
from jetxai.data.imports import import_dataset
from jetxai.generate import GeneratorConfig, generate
from jetxai.studies.predictions import dataset_rows
from jetxai.train.samples import dataset_identity, load_samples

from ..conftest import FAST_WINDOW
from .conftest import assert_clean_refusal, run_cli


def _energyflow_file(path: Path, n_jets: int, seed: int) -> Path:
    """An EnergyFlow quark/gluon file (X: pt, y, phi, pid per particle; y: 1 quark)."""
    generator = np.random.default_rng(seed)
    x = np.zeros((n_jets, 6, 4))
    x[:, :, 0] = generator.uniform(1.0, 100.0, (n_jets, 6))
    x[:, :, 1] = generator.normal(0.0, 0.3, (n_jets, 6))
    x[:, :, 2] = generator.normal(1.0, 0.3, (n_jets, 6))
    x[:, :, 3] = generator.choice([211, -211, 22, 130], (n_jets, 6))
    np.savez(path, X=x, y=(np.arange(n_jets) % 2).astype(float))
    return path


@pytest.fixture(scope="module")
def samples_dir(
    top_dataset: Path, qcd_dataset: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Generated top and QCD, a second QCD sample, and two imported quark/gluon datasets."""
    root = tmp_path_factory.mktemp("split")
    shutil.copytree(top_dataset, root / "top")
    shutil.copytree(qcd_dataset, root / "qcd")
    more = GeneratorConfig(process="qcd", n_jets=8, seed=41, chunk_size=8, **FAST_WINDOW)
    generate(more, root / "qcd2", progress=False)
    for name, seed in (("qg", 1), ("qg2", 2)):
        source = _energyflow_file(root / f"{name}.npz", 40, seed)
        import_dataset("energyflow-qg", [source], root / name, chunk_size=16, progress=False)
    return root


def _test_jets(roots: Sequence[Path]) -> set[tuple[str, int]]:
    """The test jets of a training on ``roots``, each as (dataset identity, row in it)."""
    samples = load_samples(roots)
    names, rows = dataset_rows(samples, samples.test)
    identity = {str(r): dataset_identity(data.read_manifest(r)) for r in roots}
    return {(identity[n], int(row)) for n, row in zip(names, rows, strict=True)}


#: (name, data of a training, the same data reordered or with another dataset beside them)
ORDERS = [
    ("generated, reversed", ["top", "qcd"], ["qcd", "top"]),
    ("generated, one more", ["top", "qcd"], ["top", "qcd", "qcd2"]),
    ("generated, one more first", ["top", "qcd"], ["qcd2", "qcd", "top"]),
    ("imported, reversed", ["qg", "qg2"], ["qg2", "qg"]),
    ("imported, one more", ["qg"], ["qg", "qg2"]),
    ("mixed, reversed", ["top", "qg", "qcd"], ["qcd", "qg", "top"]),
    ("mixed, one more", ["top", "qcd"], ["qg", "top", "qcd"]),
]


@pytest.mark.parametrize(("name", "first", "second"), ORDERS, ids=[o[0] for o in ORDERS])
def test_the_test_jets_do_not_depend_on_data_order_or_count(
    samples_dir: Path, name: str, first: list[str], second: list[str]
) -> None:
    before = _test_jets([samples_dir / n for n in first])
    after = _test_jets([samples_dir / n for n in second])
    assert before  # a test split to compare
    mine = {dataset_identity(data.read_manifest(samples_dir / n)) for n in first}
    assert {jet for jet in after if jet[0] in mine} == before


def _same(samples_dir: Path) -> Path:
    return samples_dir / "qcd"


def _slash(samples_dir: Path) -> str:
    return str(samples_dir / "qcd") + os.sep


def _linked(samples_dir: Path) -> Path:
    link = samples_dir / "linked-qcd"
    if not link.exists():
        link.symlink_to(samples_dir / "qcd")
    return link


def _copied(samples_dir: Path) -> Path:
    copy = samples_dir / "copied-qcd"
    if not copy.exists():
        shutil.copytree(samples_dir / "qcd", copy)
    return copy


def _copied_with_xaug(samples_dir: Path) -> Path:
    from jetxai.features import add_xaug

    copy = samples_dir / "xaug-qcd"
    if not copy.exists():
        shutil.copytree(samples_dir / "qcd", copy)
        add_xaug(copy, ["mass"], progress=False)
    return copy


def _imported_again(samples_dir: Path) -> Path:
    """qg's file imported once more, renamed and in other chunk sizes."""
    again = samples_dir / "qg-again"
    if not again.exists():
        renamed = samples_dir / "renamed.npz"
        shutil.copy(samples_dir / "qg.npz", renamed)
        import_dataset("energyflow-qg", [renamed], again, chunk_size=7, progress=False)
    return again


def _imported_within(samples_dir: Path) -> Path:
    """qg's file imported together with another file."""
    within = samples_dir / "qg-within"
    if not within.exists():
        files = [samples_dir / "qg.npz", _energyflow_file(samples_dir / "more.npz", 12, 3)]
        import_dataset("energyflow-qg", files, within, chunk_size=16, progress=False)
    return within


#: a second --data holding the jets of the first: (name, first, second)
TWICE: list[tuple[str, str, Callable[[Path], object]]] = [
    ("same directory", "qcd", _same),
    ("trailing slash", "qcd", _slash),
    ("symlink", "qcd", _linked),
    ("copy", "qcd", _copied),
    ("copy with XAUGs", "qcd", _copied_with_xaug),
    ("imported again", "qg", _imported_again),
    ("imported within", "qg", _imported_within),
]


@pytest.mark.parametrize("command", ["train", "evaluate", "explain"])
@pytest.mark.parametrize(("name", "first", "second"), TWICE, ids=[t[0] for t in TWICE])
def test_the_same_jets_given_twice_are_refused(
    capsys, samples_dir: Path, trained_dnn: Path, tmp_path: Path, command: str, name: str,
    first: str, second,
) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    other = samples_dir / ("top" if first == "qcd" else "qg2")
    data_args = ["--data", other, "--data", samples_dir / first, "--data", second(samples_dir)]
    argv = {
        "train": ["train", *data_args, "--model", "pfn", "--out", tmp_path / "r"],
        "evaluate": ["evaluate", "--model", trained_dnn / "run", *data_args],
        "explain": ["explain", "--model", trained_dnn / "run", *data_args, "--out", tmp_path / "x"],
    }[command]
    code, err = run_cli(capsys, *argv)
    assert_clean_refusal(code, err)
    assert "more than once" in err or "both imported from" in err


def test_a_file_imported_again_in_other_chunks_keeps_its_test_jets(samples_dir: Path) -> None:
    def rows(root: Path) -> set[int]:
        return {row for _, row in _test_jets([root])}

    assert rows(_imported_again(samples_dir)) == rows(samples_dir / "qg")
