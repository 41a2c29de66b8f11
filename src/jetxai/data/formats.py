"""Public dataset formats: a registry of readers, each registered at its definition with what
the format needs (its description, the official split its files carry, how to count or stream a
file)::

    @FORMATS.register("my-format", description="…", count=count_my_format)
    def read_my_format(path, start=0, stop=None) -> ak.Array: ...

A reader returns jets in the common jet schema (:mod:`jetxai.data.schema`); ``jetxai import``
and :func:`jetxai.data.imports.import_dataset` then take the format by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai._registry import Registry


@dataclass(frozen=True)
class PublicFormat:
    """A public dataset format: its reader and, if the files carry it, the official split.
    With ``count`` (path → number of jets) the reader takes ``start``/``stop`` and a file is
    streamed chunk by chunk; with ``stream`` (path, size → pieces) the format streams itself
    (a compressed member read in order); with neither, a file is read whole."""

    reader: Callable[..., ak.Array]
    description: str
    split: Callable[[ak.Array], npt.NDArray[np.str_]] | None = None
    count: Callable[[Path], int] | None = None
    stream: Callable[[Path, int], Iterator[ak.Array]] | None = None

    def pieces(self, path: Path, size: int, skip: int = 0) -> Iterator[ak.Array]:
        """The jets of ``path`` in pieces of at most ``size``, from piece ``skip`` on (the pieces
        before it are not read where the format can seek, and read past where it cannot)."""
        if self.stream is not None:
            for number, piece in enumerate(self.stream(path, size)):
                if number >= skip:
                    yield piece
            return
        if self.count is None:
            jets = self.reader(path)
            for start in range(skip * size, len(jets), size):
                yield jets[start : start + size]
            return
        total = self.count(path)
        for start in range(skip * size, total, size):
            yield self.reader(path, start=start, stop=min(start + size, total))


#: The public formats by name (filled by the reader modules of :mod:`jetxai.data`).
FORMATS: Registry[PublicFormat] = Registry("public-data format", make=PublicFormat)
