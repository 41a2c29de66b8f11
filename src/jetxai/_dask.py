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
#: The same in seconds, for the handshake probe.
HANDSHAKE_SECONDS = 10.0
#: The largest first message a Dask scheduler's handshake could be (it is about 60 bytes): a
#: peer announcing more speaks another protocol, and its "length" is never allocated.
HANDSHAKE_BYTES = 1 << 20


def probe_scheduler(address: str, seconds: float = HANDSHAKE_SECONDS) -> None:
    """Check that a TCP ``address`` speaks Dask before Dask's client trusts it: a Dask
    scheduler sends its handshake as soon as a connection is accepted, as an 8-byte
    little-endian length and the message. A peer that stays silent for ``seconds`` (Dask's own
    client would wait forever) or whose first bytes are no plausible length (an HTTP or SSH
    server) is a one-line :class:`InputError` naming the address; other schemes (tls, ucx,
    inproc) are left to Dask."""
    import socket
    import struct

    scheme, _, rest = address.rpartition("://")
    if scheme not in ("", "tcp"):
        return
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"Dask scheduler address {address!r} is not tcp://HOST:PORT")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=seconds) as peer:
            peer.settimeout(seconds)
            first = b""
            while len(first) < 8:
                chunk = peer.recv(8 - len(first))
                if not chunk:
                    break
                first += chunk
    except TimeoutError:
        raise InputError(
            f"Dask scheduler {address!r} accepted the connection but did not answer as a Dask "
            f"scheduler within {seconds:g} s"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot reach Dask scheduler {address!r}: {exc}") from None
    if len(first) < 8:
        raise InputError(f"Dask scheduler {address!r} closed the connection without a handshake")
    (length,) = struct.unpack("<Q", first)
    if not 0 < length <= HANDSHAKE_BYTES:
        raise InputError(
            f"{address!r} answered, but not as a Dask scheduler (is another service on that port?)"
        )


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
            probe_scheduler(scheduler)
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
