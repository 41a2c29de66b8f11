"""Damaged datasets, crafted checkpoints, malformed configs and study files through the CLI:
each ends in one line and exit 2, never a traceback or a silent result."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from jetxai import data

from .conftest import assert_clean_refusal, run_cli


def _copy(trained_dnn: Path, tmp_path: Path) -> Path:
    root = tmp_path / "w"
    shutil.copytree(trained_dnn, root)
    return root


def _manifest(root: Path, change: Callable[[dict], object]) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    change(manifest)
    (root / "manifest.json").write_text(json.dumps(manifest))


def _chunk(root: Path) -> Path:
    return data.list_chunks(root)[0]


#: damage to the top dataset → phrase of the refusal
DATASET_DAMAGE: list[tuple[str, Callable[[Path], object], str]] = [
    ("deleted chunk", lambda d: _chunk(d).unlink(), "are missing"),
    ("truncated chunk", lambda d: _chunk(d).write_bytes(_chunk(d).read_bytes()[:-64]), "differs"),
    ("zeroed chunk", lambda d: _chunk(d).write_bytes(b"\0" * 100), "differs"),
    (
        "extra chunk",
        lambda d: shutil.copy(_chunk(d), d / "chunks" / "chunk-00099.parquet"),
        "not in the manifest",
    ),
    ("manifest is a list", lambda d: (d / "manifest.json").write_text("[]"), "not a JSON object"),
    ("manifest not JSON", lambda d: (d / "manifest.json").write_text("{"), "not valid JSON"),
    (
        "manifest binary",
        lambda d: (d / "manifest.json").write_bytes(b"\xff\xfe\0\1"),
        "not valid JSON",
    ),
    ("manifest missing", lambda d: (d / "manifest.json").unlink(), "not a jetxai dataset"),
    (
        "unknown schema",
        lambda d: _manifest(d, lambda m: m.update(schema_version=7)),
        "schema_version",
    ),
    ("no complete", lambda d: _manifest(d, lambda m: m.pop("complete")), "complete"),
    ("incomplete", lambda d: _manifest(d, lambda m: m.update(complete=False)), "incomplete"),
    ("wrong count", lambda d: _manifest(d, lambda m: m["chunks"][0].update(n_jets=999)), "records"),
    ("chunks not a list", lambda d: _manifest(d, lambda m: m.update(chunks="all")), "chunk list"),
    (
        "chunks emptied",
        lambda d: _manifest(d, lambda m: m.update(chunks=[])),
        "not in the manifest",
    ),
]
COMMANDS = ("train", "evaluate", "explain", "features")


def _argv(command: str, root: Path, tmp_path: Path) -> list[object]:
    data_args = ["--data", root / "top", "--data", root / "qcd"]
    if command == "train":
        return ["train", *data_args, "--model", "dnn", "--xaug", "mass", "--out", tmp_path / "r"]
    if command == "evaluate":
        return ["evaluate", "--model", root / "run", *data_args]
    if command == "explain":
        return ["explain", "--model", root / "run", *data_args, "--out", tmp_path / "x"]
    return ["features", "--data", root / "top", "--xaug", "mass"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("name", "damage", "phrase"), DATASET_DAMAGE, ids=[c[0] for c in DATASET_DAMAGE]
)
def test_damaged_datasets(
    capsys, trained_dnn: Path, tmp_path: Path, command: str, name: str, damage, phrase: str
) -> None:  # type: ignore[no-untyped-def]
    root = _copy(trained_dnn, tmp_path)
    damage(root / "top")
    code, err = run_cli(capsys, *_argv(command, root, tmp_path))
    assert_clean_refusal(code, err, phrase)


def _spec(root: Path, change: Callable[[dict], object]) -> None:
    path = root / "run" / "seed-0" / "model.json"
    spec = json.loads(path.read_text())
    change(spec)
    path.write_text(json.dumps(spec))


#: crafted model.json / weights → the refusal
CHECKPOINTS: list[tuple[str, Callable[[Path], object]]] = [
    ("huge hidden", lambda r: _spec(r, lambda s: s["options"].update(hidden=[10**9]))),
    ("negative hidden", lambda r: _spec(r, lambda s: s["options"].update(hidden=[-4]))),
    ("hidden as text", lambda r: _spec(r, lambda s: s["options"].update(hidden="big"))),
    ("too many layers", lambda r: _spec(r, lambda s: s["options"].update(hidden=[8] * 100))),
    ("unknown option", lambda r: _spec(r, lambda s: s["options"].update(colour=3))),
    ("short xaug_mean", lambda r: _spec(r, lambda s: s.update(xaug_mean=[0.0]))),
    ("NaN mean", lambda r: _spec(r, lambda s: s.update(xaug_mean=[float("nan")] * 2))),
    ("zero std", lambda r: _spec(r, lambda s: s.update(xaug_std=[0.0, 1.0]))),
    ("text std", lambda r: _spec(r, lambda s: s.update(xaug_std=["a", "b"]))),
    ("xaug not a list", lambda r: _spec(r, lambda s: s.update(xaug="mass"))),
    ("unknown model", lambda r: _spec(r, lambda s: s.update(name="transformer"))),
    ("unknown xaug", lambda r: _spec(r, lambda s: s.update(xaug=["mass", "nosuch"]))),
    ("spec version", lambda r: _spec(r, lambda s: s.update(spec_version=9))),
    ("unknown field", lambda r: _spec(r, lambda s: s.update(pickle="cos\nsystem"))),
    ("image bins", lambda r: _spec(r, lambda s: s.update(image_bins=10**6))),
    ("extent", lambda r: _spec(r, lambda s: s.update(image_extent=-1))),
    ("data not a dict", lambda r: _spec(r, lambda s: s.update(data=[1]))),
    ("spec is a list", lambda r: (r / "run" / "seed-0" / "model.json").write_text("[]")),
    ("spec binary", lambda r: (r / "run" / "seed-0" / "model.json").write_bytes(b"\x80\x04K\x01.")),
    (
        "weights truncated",
        lambda r: (r / "run" / "seed-0" / "model.safetensors").write_bytes(b"\x08\0\0\0"),
    ),
    (
        "weights pickle",
        lambda r: (r / "run" / "seed-0" / "model.safetensors").write_bytes(b"\x80\x04\x95"),
    ),
    ("weights missing", lambda r: (r / "run" / "seed-0" / "model.safetensors").unlink()),
    ("NaN weights", lambda r: _nan_weights(r)),
    ("no split", lambda r: _spec(r, lambda s: s["data"].pop("split"))),
]


def _nan_weights(root: Path) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    path = root / "run" / "seed-0" / "model.safetensors"
    state = load_file(str(path))
    state = {k: torch.full_like(v, float("nan")) for k, v in state.items()}
    save_file(state, str(path))


@pytest.mark.parametrize("command", ["evaluate", "explain"])
@pytest.mark.parametrize(("name", "damage"), CHECKPOINTS, ids=[c[0] for c in CHECKPOINTS])
def test_crafted_checkpoints(
    capsys, trained_dnn: Path, tmp_path: Path, command: str, name: str, damage
) -> None:  # type: ignore[no-untyped-def]
    root = _copy(trained_dnn, tmp_path)
    damage(root)
    code, err = run_cli(capsys, *_argv(command, root, tmp_path))
    assert_clean_refusal(code, err)


#: YAML configs with wrong types, per command → refused in one line
CONFIGS = {
    "generate": ["n_jets: [1, 2]", "n_jets: {a: 1}", "process: 5", "pythia: {a: b}", "seed: yes"],
    "features": ["xaug: {a: 1}", "data: 5", "tau_axes: [kt]"],
    "train": [
        "epochs: abc",
        "model: [dnn]",
        "xaug: {m: 1}",
        "lr: [1, 2]",
        "seeds: -1",
        "hidden: 3",
    ],
    "explain": ["k: [1, 2]", "n_steps: {}", "method: 3", "epsilon: abc", "out: {a: 1}"],
    "evaluate": ["data: 5", "out: {a: 1}", "out: [[a]]"],
    "study": ["seeds: abc", "k: [1, 2]"],
    "demo": ["workers: abc", "quick: maybe"],
    "report": ["study: [a]"],
}


@pytest.mark.parametrize(
    ("command", "text"), [(c, t) for c, texts in CONFIGS.items() for t in texts]
)
def test_config_files_with_wrong_types(
    capsys, trained_dnn: Path, tmp_path: Path, command: str, text: str
) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "c.yaml"
    config.write_text(text + "\n")
    base: dict[str, list[object]] = {
        "generate": ["--process", "top", "--n-jets", "4", "--out", tmp_path / "g"],
        "features": ["--data", tmp_path / "nothing"],
        "train": [
            "--data",
            trained_dnn / "top",
            "--data",
            trained_dnn / "qcd",
            "--out",
            tmp_path / "r",
        ],
        "explain": _argv("explain", trained_dnn, tmp_path)[1:],
        "evaluate": _argv("evaluate", trained_dnn, tmp_path)[1:],
        "study": ["--data", trained_dnn / "top", "--out", tmp_path / "s"],
        "demo": ["--out", tmp_path / "demo"],
        "report": [],
    }
    code, err = run_cli(capsys, command, "--config", config, *base[command])
    assert_clean_refusal(code, err)


@pytest.mark.parametrize(
    "content", [b"\x00\x01\x02binary", b"\xff\xfe\xfd", b"- a\n- b\n", b"a: [\n"]
)
def test_binary_or_non_mapping_config_files(capsys, tmp_path: Path, content: bytes) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "c.yaml"
    config.write_bytes(content)
    code, err = run_cli(capsys, "generate", "--config", config, "--out", tmp_path / "g")
    assert_clean_refusal(code, err)


def _study_files(trained_dnn: Path, tmp_path: Path) -> Path:
    return _copy(trained_dnn, tmp_path)


#: a run's JSON files, damaged
RUN_FILES = [
    ("history not JSON", "run/seed-0/history.json", "{"),
    ("history a list", "run/seed-0/history.json", "[1]"),
    ("history binary", "run/seed-0/history.json", "\udcff"),
]


@pytest.mark.parametrize(("name", "relative", "text"), RUN_FILES, ids=[c[0] for c in RUN_FILES])
def test_corrupt_history_is_retrained_not_a_traceback(
    capsys, trained_dnn: Path, tmp_path: Path, name: str, relative: str, text: str
) -> None:  # type: ignore[no-untyped-def]
    root = _copy(trained_dnn, tmp_path)
    (root / relative).write_bytes(text.encode("utf-8", "surrogateescape"))
    argv = ["train", "--data", root / "top", "--data", root / "qcd", "--model", "dnn"]
    argv += ["--xaug", "mass,tau32", "--seeds", "1", "--epochs", "1", "--batch-size", "16"]
    code, err = run_cli(capsys, *argv, "--out", root / "run", "--quiet")
    assert code == 0, err  # a history that cannot be read means: not finished, train again
    assert json.loads((root / relative).read_text())["seed"] == 0


@pytest.mark.parametrize("text", ["{", "[]", '{"title": 5}', "\x00\x01"])
@pytest.mark.parametrize("name", ["study.json", "report/metrics.json"])
def test_report_of_a_study_with_corrupt_files(capsys, tmp_path: Path, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    study = tmp_path / "study"
    (study / name).parent.mkdir(parents=True)
    (study / name).write_text(text)
    code, err = run_cli(capsys, "report", "--study", study)
    assert_clean_refusal(code, err)


def test_pfn_on_event_data(capsys, vlq_dataset: Path, ttbar_dataset: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    argv = ["train", "--data", vlq_dataset, "--data", ttbar_dataset, "--model", "pfn"]
    code, err = run_cli(capsys, *argv, "--out", tmp_path / "r")
    assert_clean_refusal(code, err, "event")


def test_disk_full_on_checkpoint_save(
    capsys, trained_dnn: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import errno

    import safetensors.torch

    def full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safetensors.torch, "save_file", full)
    argv = ["train", "--data", trained_dnn / "top", "--data", trained_dnn / "qcd", "--model"]
    argv += ["dnn", "--xaug", "mass", "--seeds", "1", "--epochs", "1", "--out", tmp_path / "r"]
    code, err = run_cli(capsys, *argv)
    assert_clean_refusal(code, err, "No space left on device")
    assert not list((tmp_path / "r").rglob("*.tmp"))  # nothing half-written left behind


def test_stale_temporary_files_are_cleaned_up(capsys, trained_dnn: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = _copy(trained_dnn, tmp_path)
    stale = [
        root / "top" / "chunks" / ".chunk-00000.parquet.x1y2.tmp",
        root / "top" / ".manifest.json.abc.tmp",
        root / "run" / "seed-0" / ".model.safetensors.q.tmp",
    ]
    for path in stale:
        path.write_bytes(b"half written")
    code, err = run_cli(capsys, "features", "--data", root / "top", "--xaug", "mass", "--quiet")
    assert code == 0, err
    argv = ["train", "--data", root / "top", "--data", root / "qcd", "--model", "dnn", "--xaug"]
    argv += ["mass,tau32", "--seeds", "1", "--epochs", "1", "--batch-size", "16", "--quiet"]
    code, err = run_cli(capsys, *argv, "--out", root / "run")
    assert code == 0, err
    assert not any(path.exists() for path in stale)
