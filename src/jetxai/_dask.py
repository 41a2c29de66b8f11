"""The one way jetxai runs independent tasks on Dask distributed (generation chunks, explained
chunks): a ``LocalCluster`` of single-threaded worker processes on a free dashboard port, or the
scheduler at an address; results come back as the tasks finish."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from jetxai.errors import InputError

#: How long to wait for an external Dask scheduler to answer.
SCHEDULER_TIMEOUT = "10s"


@contextmanager
def dask_client(workers: int, scheduler: str | None, caller: str) -> Iterator[Any]:
    """A Dask client: on a new local cluster of ``workers`` processes, or on ``scheduler``.
    ``caller`` names the function a script would call (for the error when workers cannot
    start)."""
    from dask.distributed import Client, LocalCluster

    with ExitStack() as stack:
        if scheduler is None:
            try:
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",  # any free port: never another cluster's
                        silence_logs=logging.ERROR,
                    )
                )
            except RuntimeError as exc:
                # worker processes start by importing the caller's main module; a script that
                # runs at top level then starts again inside every worker
                raise InputError(
                    f"Dask worker processes could not start ({exc}); in a script, call "
                    f"{caller}(..., workers=N) under 'if __name__ == \"__main__\":'"
                ) from None
            yield stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout=SCHEDULER_TIMEOUT))
            except (OSError, ValueError, TypeError) as exc:
                detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise InputError(f"cannot reach Dask scheduler {scheduler!r}: {detail}") from None
            yield client


def completed(
    client: Any,
    function: Callable[..., Any],
    calls: Sequence[tuple[str, tuple[Any, ...]]],
    what: str,
) -> Iterator[Any]:
    """Submit ``function(*args)`` for every (key, args) in ``calls``; yield each result as its
    task finishes. ``what`` says what the tasks make, for the error when workers keep dying."""
    from dask.distributed import as_completed
    from distributed.scheduler import KilledWorker

    futures = [client.submit(function, *args, key=key) for key, args in calls]
    for future in as_completed(futures):
        try:
            yield future.result()
        except KilledWorker:
            raise InputError(
                f"Dask workers died repeatedly running {future.key} (out of memory, or a crash "
                f"inside the task); the {what} finished so far are kept, re-run to resume"
            ) from None
