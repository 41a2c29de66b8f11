"""--scheduler pointing at something that is not a Dask scheduler: a server that accepts and
never speaks, an HTTP server, a server that greets with its own banner. Each is one line and
exit 2 within the handshake's bound, for generate and explain, and nothing is allocated from
the peer's bytes."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import jetxai._dask

from .conftest import assert_clean_refusal, run_cli


def _serve(greeting: bytes | None) -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts every connection and sends ``greeting`` (None:
    nothing, ever); its tcp:// address."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    kept: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            kept.append(connection)
            if greeting is not None:
                connection.sendall(greeting)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        for connection in kept:
            connection.close()


@pytest.fixture
def silent() -> Iterator[str]:
    yield from _serve(None)


@pytest.fixture
def banner() -> Iterator[str]:
    yield from _serve(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")


@pytest.fixture
def web() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def short_handshake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jetxai._dask, "HANDSHAKE_SECONDS", 2.0)


PEERS = {
    "silent": "did not answer as a Dask scheduler",
    "web": "did not answer as a Dask scheduler",  # an HTTP server waits for a request
    "banner": "not as a Dask scheduler",
}


@pytest.mark.parametrize("peer", list(PEERS))
def test_generate_refuses_a_peer_that_is_not_dask(
    capsys, request, tmp_path: Path, peer: str
) -> None:  # type: ignore[no-untyped-def]
    address = request.getfixturevalue(peer)
    start = time.monotonic()
    code, err = run_cli(
        capsys, "generate", "--process", "qcd", "--n-jets", "10", "--out", tmp_path / "out",
        "--scheduler", address, "--quiet",
    )  # fmt: skip
    assert time.monotonic() - start < 30  # bounded: never the hang Dask's own client has
    assert_clean_refusal(code, err, PEERS[peer])
    assert address in err


@pytest.mark.parametrize("peer", list(PEERS))
def test_explain_refuses_a_peer_that_is_not_dask(
    capsys, request, trained_dnn: Path, tmp_path: Path, peer: str
) -> None:  # type: ignore[no-untyped-def]
    address = request.getfixturevalue(peer)
    code, err = run_cli(
        capsys, "explain", "--model", trained_dnn / "run", "--data", trained_dnn / "top",
        "--data", trained_dnn / "qcd", "--out", tmp_path / "out", "--scheduler", address,
        "--quiet",
    )  # fmt: skip
    assert_clean_refusal(code, err, PEERS[peer])
    assert not (tmp_path / "out" / "ranking.json").exists()
