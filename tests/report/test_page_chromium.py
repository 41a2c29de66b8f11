"""The report page rendered in headless Chromium: every image loads, no console errors, the jet
browser steps through different jets, and screenshots of every section are kept in
test-artifacts/ (Debian's chromium package; .ci/run installs it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .chromium import body, check_page, drawn, section_screenshots

#: The sections of the demo's page, in order (the retraining truth's only where the study ran it,
#: the jet browser's only with constituent taggers).
SECTIONS = ["data", "taggers", "lrp", "ig", "reduced", "truth", "jets", "configuration"]


def test_page_renders_with_every_image_and_no_console_errors(
    study: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    page = (study / "report" / "index.html").resolve().as_uri()
    artifacts = Path(request.config.rootpath) / "test-artifacts"
    assert check_page(page, tmp_path, "report", artifacts, min_images=8) == SECTIONS


def test_the_jet_browser_steps_through_different_jets(
    study: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    page = (study / "report" / "index.html").resolve().as_uri()
    opened = body(page, tmp_path / "a")
    total = int(opened["jets-total"])
    assert total >= 6
    # stepping with the "next" button through every jet showed as many different pictures
    assert opened["jets-distinct"] == str(total)
    assert opened["shown-jet"] == "0"
    assert body(page + "#jet-3", tmp_path / "b")["shown-jet"] == "3"  # an address opens a jet
    # and the page opened at another jet shows another picture in its jet section
    artifacts = Path(request.config.rootpath) / "test-artifacts"
    shots = [
        section_screenshots(
            page + f"#jet-{k}", tmp_path / f"jet-{k}", f"report-jet-{k}", artifacts, "jets"
        )[0]
        for k in (0, 3)
    ]
    assert all(drawn(s) for s in shots)
    assert shots[0].read_bytes() != shots[1].read_bytes()
