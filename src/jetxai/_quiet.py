"""Keeping output clean: silencing the banners that C++ libraries (Pythia 8, FastJet) print to
standard output, and progress bars that draw only on a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence C/C++ output to file descriptor 1 (Pythia's and FastJet's banners)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def bar_disabled(progress: bool) -> bool | None:
    """tqdm's ``disable`` for a bar asked for with ``progress``: off when not asked for, and
    when asked for, drawn in a notebook (tqdm.auto's widget) or on a terminal only (None:
    tqdm's own test of the stream), so logs written to a file or a pipe carry no progress-bar
    escapes."""
    if not progress:
        return True
    return False if "ipykernel" in sys.modules else None
