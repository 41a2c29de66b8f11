"""Report pages in Debian's headless Chromium (.ci/run installs it): the page's own record of
what it did (attributes its script sets on <body>) and screenshots cut into its sections, kept
in test-artifacts/ for a person to look at."""

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
#: The window width the pages are checked and photographed at.
WIDTH = 1280


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")


def body(page: str, profile: Path, *, console: bool = False) -> dict[str, str]:
    """The ``data-*`` attributes of ``page``'s <body> after its scripts ran (Chromium's DOM
    dump); with ``console``, also the console's error lines under the key ``console``."""
    dom = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},1000",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom", page],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r"<body([^>]*)>", dom.stdout)
    assert found is not None
    attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', found.group(1)))
    if console:
        errors = [
            line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line
        ]
        attributes["console"] = "\n".join(errors)
    return attributes


def section_screenshots(
    page: str, profile: Path, prefix: str, artifacts: Path, only: str | None = None
) -> list[Path]:
    """The whole of ``page`` photographed at once and cut at its sections (one PNG each, named
    ``<prefix>-<section id>.png`` in ``artifacts``; ``only``: that section alone); returns their
    paths."""
    from PIL import Image

    record = body(page, profile / "layout")
    height = int(record["height"])
    sections = [
        (name, int(top)) for name, top in (s.split(":") for s in record["sections"].split())
    ]
    artifacts.mkdir(exist_ok=True)
    whole = artifacts / f"{prefix}-page.png"
    subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile / 'shot'}",
         f"--window-size={WIDTH},{height}", f"--screenshot={whole}", page],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    shots = []
    with Image.open(whole) as image:
        assert image.size == (WIDTH, height)
        ends = [top for _, top in sections[1:]] + [height]
        for (name, top), end in zip(sections, ends, strict=True):
            if only is not None and name != only:
                continue
            shot = artifacts / f"{prefix}-{name}.png"
            image.crop((0, max(top - 10, 0), WIDTH, end)).save(shot)
            shots.append(shot)
    whole.unlink()
    return shots


def drawn(shot: Path) -> bool:
    """Whether a screenshot shows something besides the white page."""
    from PIL import Image

    with Image.open(shot) as image:
        darkest = min(low for low, _ in image.convert("RGB").getextrema())
    return darkest < 128


def check_page(
    page: str, profile: Path, prefix: str, artifacts: Path, min_images: int
) -> list[str]:
    """Render ``page``: at least ``min_images`` images, every one decoded, no console errors;
    photograph it section by section (:func:`section_screenshots`), each shot showing
    something. Returns the sections' names in order."""
    record = body(page, profile / "a", console=True)
    assert int(record["images-total"]) >= min_images
    assert record["images-loaded"] == record["images-total"]
    assert record["console"] == ""
    shots = section_screenshots(page, profile / "b", prefix, artifacts)
    assert all(drawn(s) for s in shots)
    return [s.stem.removeprefix(f"{prefix}-") for s in shots]
