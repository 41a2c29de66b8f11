"""Output on a full disk (a small tmpfs, filled but for a few bytes) and on a read-only mount
(root ignores permissions, so a real ``mount -o ro``): import, generate, features, train,
explain, evaluate and report each end in one line and exit 2, and leave no partial file —
nothing half-written, no temporary left. Needs mount rights (root in a container that may
mount tmpfs); skipped elsewhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from .conftest import assert_clean_refusal, run_cli
from .test_split import _energyflow_file


def _mount(target: Path, *options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(target)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def _unmount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """An empty 16 MiB tmpfs."""
    target = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    _mount(target, "size=16m")
    try:
        yield target
    finally:
        _unmount(target)


def _fill(disk: Path, free: int) -> None:
    """Leave about ``free`` bytes free on ``disk``."""
    stat = os.statvfs(disk)
    available = stat.f_bavail * stat.f_frsize
    with open(disk / ".filler", "wb") as handle:
        handle.truncate(0)
        remaining = max(available - free, 0)
        block = b"\0" * (1 << 20)
        while remaining > 0:
            try:
                handle.write(block[: min(len(block), remaining)])
                handle.flush()
            except OSError:
                break
            remaining -= min(len(block), remaining)


def _read_only(disk: Path) -> None:
    done = subprocess.run(
        ["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def _no_partial_file(root: Path) -> None:
    """Nothing under ``root`` is a temporary or a file cut short."""
    import pyarrow.parquet as pq
    from safetensors import safe_open

    assert not [p for p in root.rglob("*.tmp")], "a temporary file was left"
    for path in root.rglob("*"):
        if path.name == ".filler" or not path.is_file():
            continue
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".parquet":
            pq.read_metadata(path)
        elif path.suffix == ".safetensors":
            with safe_open(str(path), "pt") as handle:
                list(handle.keys())
        elif path.suffix == ".npz":
            with np.load(path) as stored:
                [stored[name] for name in stored.files]
        elif path.suffix == ".html":
            assert path.read_text().rstrip().endswith("</html>")


@pytest.fixture(scope="module")
def qg_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _energyflow_file(tmp_path_factory.mktemp("qgfile") / "qg.npz", 4000, 11)


def _data(root: Path) -> list[object]:
    return ["--data", root / "top", "--data", root / "qcd"]


def _import(disk: Path, given: dict[str, Path]) -> list[object]:
    return ["import", "energyflow-qg", given["qg"], "--chunk-size", "500", "--quiet", "--out",
            disk / "qg"]  # fmt: skip


def _generate(disk: Path, given: dict[str, Path]) -> list[object]:
    window = ["--pthat-min", "470", "--pthat-max", "750"]
    return ["generate", "--process", "top", "--n-jets", "12", "--chunk-size", "4", *window,
            "--quiet", "--out", disk / "g"]  # fmt: skip


def _features(disk: Path, given: dict[str, Path]) -> list[object]:
    return ["features", "--data", disk / "top", "--xaug", "d2,n2,c2", "--quiet"]


def _train(disk: Path, given: dict[str, Path]) -> list[object]:
    return ["train", *_data(given["root"]), "--model", "dnn", "--xaug", "mass", "--seeds", "2",
            "--epochs", "2", "--quiet", "--out", disk / "run"]  # fmt: skip


def _explain(disk: Path, given: dict[str, Path]) -> list[object]:
    return ["explain", "--model", given["root"] / "run", *_data(given["root"]), "--batch-size",
            "1", "--quiet", "--out", disk / "x"]  # fmt: skip


def _evaluate(disk: Path, given: dict[str, Path]) -> list[object]:
    return ["evaluate", "--model", given["root"] / "run", *_data(given["root"]),
            "--predictions", disk / "p.parquet"]  # fmt: skip


def _report(disk: Path, given: dict[str, Path]) -> list[object]:
    return ["report", "--study", disk / "study"]


#: command → (its arguments for a disk and the inputs, what must be on the disk beforehand)
COMMANDS: dict[str, tuple[Callable[[Path, dict[str, Path]], list[object]], str | None]] = {
    "import": (_import, None),
    "generate": (_generate, None),
    "features": (_features, "data"),
    "train": (_train, None),
    "explain": (_explain, None),
    "evaluate": (_evaluate, None),
    "report": (_report, "study"),
}


@pytest.fixture
def inputs(trained_dnn: Path, qg_file: Path, hostile_study: Path) -> dict[str, Path]:
    return {"root": trained_dnn, "qg": qg_file, "study": hostile_study}


def _copy_inputs(disk: Path, needs: str | None, inputs: dict[str, Path]) -> None:
    if needs == "data":
        shutil.copytree(inputs["root"] / "top", disk / "top")
    elif needs == "study":
        shutil.copytree(inputs["study"], disk / "study")


#: (command, bytes left free): the page is written last, so one level shows the report's case
FULL = [(c, free) for c in COMMANDS if c != "report" for free in (0, 4096, 65536)]
FULL.append(("report", 0))


@pytest.mark.parametrize(("command", "free"), FULL, ids=[f"{c}-{f}" for c, f in FULL])
def test_a_full_disk_is_one_line_and_leaves_no_partial_file(
    capsys, disk: Path, inputs: dict[str, Path], command: str, free: int
) -> None:  # type: ignore[no-untyped-def]
    make, needs = COMMANDS[command]
    _copy_inputs(disk, needs, inputs)
    if needs == "study":
        shutil.rmtree(disk / "study" / "report")
    _fill(disk, free)
    code, err = run_cli(capsys, *make(disk, inputs))
    if free == 0 or code != 0:
        assert_clean_refusal(code, err, "no space left on device")
    _no_partial_file(disk)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_read_only_output_is_one_line_and_writes_nothing(
    capsys, disk: Path, inputs: dict[str, Path], command: str
) -> None:  # type: ignore[no-untyped-def]
    make, needs = COMMANDS[command]
    _copy_inputs(disk, needs, inputs)
    before = sorted(str(p.relative_to(disk)) for p in disk.rglob("*"))
    _read_only(disk)
    code, err = run_cli(capsys, *make(disk, inputs))
    assert_clean_refusal(code, err, "read-only file system")
    assert sorted(str(p.relative_to(disk)) for p in disk.rglob("*")) == before
