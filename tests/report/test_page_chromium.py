"""The report page rendered in headless Chromium: every image loads, no console errors, and a
screenshot is kept in test-artifacts/ (Debian's chromium package; .ci/run installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")


def test_page_renders_with_every_image_and_no_console_errors(
    study: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    browser = _chromium()
    page = (study / "report" / "index.html").resolve().as_uri()
    dom = subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'a'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", dom.stdout)
    assert body is not None
    loaded = re.search(r'data-images-loaded="(\d+)"', body.group(1))
    total = re.search(r'data-images-total="(\d+)"', body.group(1))
    assert loaded, body.group(0)
    assert total, body.group(0)
    assert int(total.group(1)) >= 8
    assert loaded.group(1) == total.group(1)
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console

    artifacts = Path(request.config.rootpath) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "report-page.png"
    subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'b'}",
            "--window-size=1280,2400",
            f"--screenshot={shot}",
            page,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes().startswith(b"\x89PNG")


def _body(browser: str, page: str, profile: Path) -> str:
    """The <body> attributes of ``page`` after its scripts ran, from Chromium's DOM dump."""
    dom = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000",
         "--dump-dom", page],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", dom.stdout)
    assert body is not None
    return body.group(1)


def test_the_jet_browser_steps_through_different_jets(study: Path, tmp_path: Path) -> None:
    browser = _chromium()
    page = (study / "report" / "index.html").resolve().as_uri()
    opened = _body(browser, page, tmp_path / "a")
    total = int(re.search(r'data-jets-total="(\d+)"', opened).group(1))  # type: ignore[union-attr]
    assert total >= 6
    # stepping with the "next" button through every jet showed as many different pictures
    assert f'data-jets-distinct="{total}"' in opened
    assert 'data-shown-jet="0"' in opened
    third = _body(browser, page + "#jet-3", tmp_path / "b")
    assert 'data-shown-jet="3"' in third  # and an address opens a given jet
