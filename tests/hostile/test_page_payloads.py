"""Script payloads in every string that reaches a report page — the process names of a dataset
(the Parquet column of data made elsewhere), the dataset directories' names, the study
directory given in a YAML config, a run's model name and the study's title — are shown as text
and never run in headless Chromium; a ``$`` in them (matplotlib's mathtext) is drawn as it
reads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ..report.chromium import body
from ._payloads import BACKGROUND, MODEL, SAMPLE_DIRS, SIGNAL, TITLE
from .conftest import run_cli


def _page(study: Path) -> str:
    return (study / "report" / "index.html").read_text()


def test_a_page_of_hostile_names_runs_none_of_them(hostile_study: Path, tmp_path: Path) -> None:
    page = (hostile_study / "report" / "index.html").resolve().as_uri()
    record = body(page, tmp_path / "profile", console=True)
    assert "pwned" not in record
    assert int(record["images-total"]) >= 8
    assert record["images-loaded"] == record["images-total"]  # every figure was drawn


@pytest.mark.parametrize(
    "name", [SIGNAL, BACKGROUND, *SAMPLE_DIRS], ids=["signal", "background", "dir1", "dir2"]
)
def test_each_hostile_name_is_on_the_page_as_text(hostile_study: Path, name: str) -> None:
    from markupsafe import escape

    page = _page(hostile_study)
    assert str(escape(name)) in page
    assert name not in page  # never as markup


def test_the_classes_are_those_the_study_was_told(hostile_study: Path) -> None:
    from markupsafe import escape

    # the background process is in no catalogue: --signal, not the catalogue, decides
    assert f"{escape(BACKGROUND)} jets" in _page(hostile_study)


def test_a_hand_edited_study_title_and_model_name_stay_text(
    capsys: pytest.CaptureFixture[str], hostile_study: Path, tmp_path: Path
) -> None:
    from markupsafe import escape

    study = tmp_path / "edited"
    shutil.copytree(hostile_study, study)
    config = json.loads((study / "study.json").read_text())
    config |= {"title": TITLE, "summary": TITLE}
    (study / "study.json").write_text(json.dumps(config))
    for metrics in (study / "runs").glob("*/metrics.json"):
        run = json.loads(metrics.read_text())
        metrics.write_text(json.dumps(run | {"model": MODEL}))
    code, err = run_cli(capsys, "report", "--study", study)
    assert code == 0, err
    page = _page(study)
    assert TITLE not in page
    assert MODEL not in page
    assert str(escape(TITLE)) in page
    record = body((study / "report" / "index.html").resolve().as_uri(), tmp_path / "p")
    assert "pwned" not in record
