"""Progress bars: IG shows one on a terminal for long work, and no bar writes escapes into a log
(a file or a pipe)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

SCRIPT = """
import torch
from jetxai.explain import integrated_gradients
net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1),
                          torch.nn.Flatten(0))
integrated_gradients(net, torch.randn(400, 4), n_steps=64, batch_size=256)
"""


def _stderr_on_a_terminal(command: list[str] | None = None, code: int = 0) -> str:
    """The standard error of ``command`` (default: the IG script) written to a pseudo-terminal;
    the command must exit with ``code``."""
    command = command or [sys.executable, "-c", SCRIPT]
    leader, follower = pty.openpty()
    # a fresh pseudo-terminal is 0 columns wide, where tqdm draws nothing: give it 100
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(command, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=300) == code
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")


def test_ig_shows_progress_on_a_terminal_and_none_in_a_log() -> None:
    shown = _stderr_on_a_terminal()
    assert "integrated gradients" in shown  # 400 x 64 points: 100 batches of 256
    logged = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    )
    assert logged.stderr == ""  # a pipe: no bar, no escapes


def test_a_command_writing_to_a_log_draws_no_progress_bar(
    top_dataset: Path, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "top"
    shutil.copytree(top_dataset, copy)
    result = subprocess.run(
        [sys.executable, "-m", "jetxai", "features", "--data", str(copy), "--xaug", "mass"],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    assert "\r" not in result.stderr
    assert "\x1b" not in result.stderr
    assert "xaug" not in result.stderr  # the bar's description: no bar at all


def test_an_error_after_a_progress_bar_starts_on_its_own_line(
    top_dataset: Path, tmp_path: Path
) -> None:
    from jetxai import data

    from .data.test_imports import _write_top_landscape

    good, bad = tmp_path / "train.h5", tmp_path / "test.h5"
    _write_top_landscape(good, data.read(top_dataset), 0)
    bad.write_bytes(b"not an HDF5 file" * 100)
    command = [sys.executable, "-m", "jetxai", "import", "top-landscape", str(good), str(bad),
               "--out", str(tmp_path / "out")]  # fmt: skip
    shown = _stderr_on_a_terminal(command, code=2)
    assert "import top-landscape" in shown  # the bar was drawn ...
    before, _, after = shown.partition("jetxai import: error:")
    assert after, shown
    assert before.endswith(("\n", "\r")), repr(before[-80:])  # ... and ended before the error
