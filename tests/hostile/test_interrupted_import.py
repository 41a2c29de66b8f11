"""``kill -9`` during ``jetxai import``, at a moment chosen by the clock and at chosen points
(after a chunk file, half way through writing one, between a chunk and its manifest entry);
the same command run again resumes and gives a dataset bit-identical to an uninterrupted
import: the same manifest and the same chunk files."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import awkward as ak
import pytest

from jetxai import data

from ..data.test_imports import _chunk_digests, _write_top_landscape

#: ``jetxai import ARGV`` that kills itself: ``after N`` once N chunk files are written,
#: ``inside N`` half way through writing chunk N + 1, ``unrecorded N`` after writing chunk
#: N + 1 and before the manifest records it.
KILLER = r"""
import os, signal, sys
from jetxai.cli.main import main
from jetxai.data import dataset, imports

mode, count, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
written = []
write_chunk, write_table = imports.write_chunk, dataset.pq.write_table

def killed():
    os.kill(os.getpid(), signal.SIGKILL)

def half_then_killed(table, where, **options):
    with open(where, "wb") as handle:
        handle.write(b"PAR1 half a chunk")
    killed()

def counted(*args, **kwargs):
    if mode == "inside" and len(written) == count:
        dataset.pq.write_table = half_then_killed
    path = write_chunk(*args, **kwargs)
    written.append(path)
    if mode == "after" and len(written) == count:
        killed()
    return path

def recorded(*args, **kwargs):
    if mode == "unrecorded" and len(written) == count + 1:
        killed()
    return write_manifest(*args, **kwargs)

write_manifest = imports.write_manifest
imports.write_chunk, imports.write_manifest = counted, recorded
sys.exit(main(argv))
"""


@pytest.fixture(scope="module")
def source(top_dataset: Path, qcd_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One large Top Landscape file (the jets repeated) and its uninterrupted import."""
    root = tmp_path_factory.mktemp("killed-import")
    jets = ak.concatenate([data.read(top_dataset), data.read(qcd_dataset)] * 10)
    path = root / "train.h5"
    _write_top_landscape(path, jets, 0)
    subprocess.run([*_command(path), str(root / "whole")], check=True, timeout=600)
    return path


def _command(path: Path) -> list[str]:
    return [sys.executable, "-m", "jetxai", "import", "top-landscape", str(path),
            "--chunk-size", "4", "--quiet", "--out"]  # fmt: skip


def _same_as_uninterrupted(out: Path, source: Path) -> None:
    assert not (out / "manifest.json").exists() or not data.read_manifest(out)["complete"]
    subprocess.run([*_command(source), str(out)], check=True, timeout=600)
    whole = source.parent / "whole"
    assert data.read_manifest(out) == data.read_manifest(whole)
    assert _chunk_digests(out) == _chunk_digests(whole)
    assert not list(out.rglob("*.tmp"))


def test_kill_9_by_the_clock_then_the_same_command_resumes(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    process = subprocess.Popen([*_command(source), str(out)])
    deadline = time.monotonic() + 120
    while len(list(out.glob("**/*.parquet"))) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL, "the import ended before it was killed"
    _same_as_uninterrupted(out, source)


#: where the import is killed
POINTS = [("after", 1), ("after", 7), ("inside", 0), ("inside", 3), ("unrecorded", 0)]
POINTS.append(("unrecorded", 5))


@pytest.mark.parametrize(("mode", "count"), POINTS)
def test_kill_9_at_a_chosen_point_then_the_same_command_resumes(
    source: Path, tmp_path: Path, mode: str, count: int
) -> None:
    out = tmp_path / "killed"
    argv = [*_command(source)[3:], str(out)]
    child = subprocess.run(
        [sys.executable, "-c", KILLER, mode, str(count), *argv],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    _same_as_uninterrupted(out, source)
