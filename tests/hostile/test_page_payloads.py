"""Script payloads in every string that reaches a report page — the process names of a dataset
(the Parquet column of data made elsewhere), the dataset directories' names, the study
directory given in a YAML config, a run's model name and the study's title — are shown as text
and never run in headless Chromium; a ``$`` in them (matplotlib's mathtext) is drawn as it
reads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jetxai import data
from jetxai.data.dataset import file_digest

from ..report.chromium import body
from .conftest import run_cli

#: Each payload marks <body data-pwned> if the page runs it (no "," and no "/" in those used
#: as names: --signal splits at commas, and a directory name cannot hold a slash).
IMG = "<img src=x onerror=document.body.dataset.pwned=1>"
SVG = "<svg onload=document.body.dataset.pwned=2>"
SCRIPT = "<script>document.body.dataset.pwned=3</script>"
QUOTE = "\"' onmouseover=document.body.dataset.pwned=4 x='"
MATH = r"$\frac{x$ _^"
#: Where each reaches the page.
SIGNAL = "top" + IMG + MATH
BACKGROUND = "qcd" + SCRIPT
SAMPLE_DIRS = ("top" + SVG, "qcd" + QUOTE)
STUDY_DIR = "study" + IMG
TITLE = "title " + SCRIPT + IMG
MODEL = "dnn" + SVG + MATH


def _with_processes(source: Path, target: Path, process: str) -> Path:
    """A copy of a dataset whose jets all carry ``process``, with a consistent manifest (as a
    dataset made elsewhere would be)."""
    shutil.copytree(source, target)
    manifest = json.loads((target / "manifest.json").read_text())
    for entry, chunk in zip(manifest["chunks"], data.list_chunks(target), strict=True):
        table = pq.read_table(chunk)
        column = table.schema.get_field_index("process")
        names = pa.array([process] * len(table), table.schema.field("process").type)
        pq.write_table(table.set_column(column, "process", names), chunk)
        entry["blake2b"] = file_digest(chunk)
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


@pytest.fixture(scope="module")
def hostile_study(
    top_dataset: Path, qcd_dataset: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    root = tmp_path_factory.mktemp("payloads")
    top = _with_processes(top_dataset, root / SAMPLE_DIRS[0], SIGNAL)
    qcd = _with_processes(qcd_dataset, root / SAMPLE_DIRS[1], BACKGROUND)
    config = root / "demo.yaml"
    config.write_text(json.dumps({"out": str(root / STUDY_DIR), "signal": SIGNAL}))
    from jetxai.cli.main import main

    argv = ["demo", "--quick", "--quiet", "--config", config, "--data", top, "--data", qcd]
    code = main([str(a) for a in argv])
    assert code == 0
    return root / STUDY_DIR


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
