"""Atomic file writes: a crash never leaves a half-written dataset, checkpoint or report."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success.

    The temporary name starts with ``.`` and ends with ``.tmp`` so readers never mistake it for
    a finished file; on an exception it is removed.
    """
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates the file private (0600); give it the permissions of a normal file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def save_tensors(
    target: str | os.PathLike[str], tensors: dict[str, Any], metadata: dict[str, str]
) -> None:
    """Write ``tensors`` as a safetensors file at ``target``, atomically; a failed write (a
    full disk) is an :class:`OSError`, as for every other file jetxai writes."""
    from safetensors import SafetensorError
    from safetensors.torch import save_file

    with atomic_path(target) as tmp:
        try:
            save_file(tensors, str(tmp), metadata=metadata)
        except SafetensorError as exc:  # the Rust writer's I/O errors arrive as its own type
            raise OSError(f"{target}: {exc}") from None


def read_json_object(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A JSON object from ``path``; anything else (invalid JSON, binary, a list) is an
    :class:`~jetxai.errors.InputError` naming the file."""
    from jetxai.errors import InputError

    try:
        result = json.loads(Path(path).read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(result, dict):
        raise InputError(f"{path}: a JSON {type(result).__name__}, not a JSON object")
    return result


def write_json(target: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as indented JSON to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def remove_stale_temporaries(directory: str | os.PathLike[str]) -> int:
    """Remove the temporary files (``.NAME.*.tmp``) an interrupted :func:`atomic_path` left in
    ``directory``; returns how many. Call it where one run owns the directory."""
    removed = 0
    root = Path(directory)
    if not root.is_dir():
        return 0
    for path in root.glob(".*.tmp"):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
