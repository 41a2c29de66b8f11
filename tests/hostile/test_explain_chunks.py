"""Chunked explain against damage between runs: chunk files truncated, replaced by a pickle,
swapped, made with other options or other data, and ``kill -9`` between and inside chunk
writes. A re-run never reuses a chunk it should not: its output is bit-identical to an
uninterrupted run of the same command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from .conftest import assert_clean_refusal, run_cli

#: A child process that runs ``jetxai ARGV`` and kills itself with SIGKILL: ``after N`` once
#: N chunk files are written, ``inside N`` half way through writing chunk file N + 1,
#: ``explained 0`` once every chunk is written and before the chunks are read back.
KILLER = r"""
import os, signal, sys
import numpy as np
from jetxai.cli.main import main
from jetxai.studies import chunks, explain

mode, count, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
written = []
save = chunks._save
savez = np.savez

def half_then_killed(handle, **arrays):
    handle.write(b"PK\x03\x04 half a chunk")
    handle.flush()
    os.kill(os.getpid(), signal.SIGKILL)

def counted(*args):
    if mode == "inside" and len(written) == count:
        chunks.np.savez = half_then_killed
    save(*args)
    written.append(args[0])
    if mode == "after" and len(written) == count:
        os.kill(os.getpid(), signal.SIGKILL)

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

chunks._save = counted
if mode == "explained":
    explain.chunk_results = killed
sys.exit(main(argv))
"""

EXPLAIN = ["--batch-size", "1", "--quiet"]  # four jets a chunk: three chunks of the test split


def _argv(root: Path, out: Path, *extra: object, order: tuple[str, str] = ("top", "qcd")) -> list:
    data = [a for name in order for a in ("--data", root / name)]
    return ["explain", "--model", root / "run", *data, "--out", out, *EXPLAIN, *extra]


def _killed(mode: str, count: int, argv: list) -> None:
    child = subprocess.run(
        [sys.executable, "-c", KILLER, mode, str(count), *map(str, argv)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]


def _untimed(value: object) -> object:
    """A JSON value without its "seconds" entries (the scorecard's timings)."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def _outputs(out: Path) -> dict[str, object]:
    """The relevance files' bytes and ranking.json (its timings aside)."""
    found: dict[str, object] = {}
    for path in sorted(out.iterdir()):
        if path.is_file():
            found[path.name] = path.read_bytes()
    found["ranking.json"] = _untimed(json.loads(found["ranking.json"]))  # type: ignore[arg-type]
    return found


@pytest.fixture(scope="module")
def reference(trained_dnn: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable:
    """The output of an uninterrupted run of the command, made once per set of options."""
    made: dict[tuple, dict[str, object]] = {}

    def of(*extra: object, order: tuple[str, str] = ("top", "qcd")) -> dict[str, object]:
        if (extra, order) not in made:
            from jetxai.cli.main import main

            out = tmp_path_factory.mktemp("reference")
            assert main([str(a) for a in _argv(trained_dnn, out, *extra, order=order)]) == 0
            made[extra, order] = _outputs(out)
        return made[extra, order]

    return of


def _chunks(out: Path) -> list[Path]:
    return sorted((out / "chunks" / "seed-0").glob("chunk-*.npz"))


def _truncate(out: Path) -> None:
    first = _chunks(out)[0]
    first.write_bytes(first.read_bytes()[:100])


def _pickled(out: Path) -> None:
    """Chunk 1 with its own key and an object array: loading its pickle would run a command."""
    path = _chunks(out)[1]
    with np.load(path) as stored:
        key = stored["__key__"]

    class Payload:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return os.system, (f"touch {out / 'PWNED'}",)

    with open(path, "wb") as handle:
        np.savez(handle, __key__=key, logit=np.array([Payload()], dtype=object))


def _swap(out: Path) -> None:
    first, second = _chunks(out)[:2]
    held = first.with_suffix(".held")
    first.rename(held)
    second.rename(first)
    held.rename(second)


def _directory(out: Path) -> None:
    path = _chunks(out)[0]
    path.unlink()
    path.mkdir()
    (path / "inside").write_text("x")


def _emptied(out: Path) -> None:
    _chunks(out)[2].write_bytes(b"")


#: damage to the chunks an interrupted run left → nothing of it is reused
DAMAGE: list[tuple[str, Callable[[Path], object]]] = [
    ("truncated", _truncate),
    ("pickle inside", _pickled),
    ("swapped", _swap),
    ("emptied", _emptied),
]


@pytest.mark.parametrize(("name", "damage"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_damaged_chunks_of_an_interrupted_run_are_explained_again(
    capsys, trained_dnn: Path, tmp_path: Path, reference: Callable, name: str, damage
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x"
    _killed("explained", 0, _argv(trained_dnn, out))
    assert len(_chunks(out)) == 3
    damage(out)
    code, err = run_cli(capsys, *_argv(trained_dnn, out))
    assert code == 0, err
    assert _outputs(out) == reference()
    assert not (out / "PWNED").exists()


def test_a_directory_in_place_of_a_chunk_is_refused_in_one_line(
    capsys, trained_dnn: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x"
    _killed("explained", 0, _argv(trained_dnn, out))
    _directory(out)
    code, err = run_cli(capsys, *_argv(trained_dnn, out))
    assert_clean_refusal(code, err, "is a directory")
    assert not (out / "ranking.json").exists()


#: a re-run with other options or data than the interrupted one
CHANGED: list[tuple[str, list[object], tuple[str, str]]] = [
    ("epsilon", ["--epsilon", "0.1"], ("top", "qcd")),
    ("composite", ["--composite", "zplus"], ("top", "qcd")),
    ("method", ["--method", "ig", "--baseline", "zero"], ("top", "qcd")),
    ("data order", [], ("qcd", "top")),
]


@pytest.mark.parametrize(("name", "extra", "order"), CHANGED, ids=[c[0] for c in CHANGED])
def test_chunks_of_other_options_or_data_are_not_reused(
    capsys, trained_dnn: Path, tmp_path: Path, reference: Callable, name: str, extra, order
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x"
    _killed("explained", 0, _argv(trained_dnn, out))
    code, err = run_cli(capsys, *_argv(trained_dnn, out, *extra, order=order))
    assert code == 0, err
    assert _outputs(out) == reference(*extra, order=order)


@pytest.mark.parametrize(
    ("mode", "count"), [("after", 1), ("after", 2), ("inside", 0), ("inside", 2)]
)
def test_kill_9_during_explain_then_the_same_command_gives_the_same_output(
    capsys, trained_dnn: Path, tmp_path: Path, reference: Callable, mode: str, count: int
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x"
    _killed(mode, count, _argv(trained_dnn, out))
    assert len(_chunks(out)) == count  # the chunks written before the kill
    code, err = run_cli(capsys, *_argv(trained_dnn, out))
    assert code == 0, err
    assert _outputs(out) == reference()
    assert not list(out.rglob("*.tmp"))
