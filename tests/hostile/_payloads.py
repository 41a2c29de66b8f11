"""Script payloads for the strings that reach a report page, and a quick demo study whose
datasets, directories and config carry them (shared by the page and disk tests)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from jetxai import data
from jetxai.data.dataset import file_digest

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


def make_hostile_study(top_dataset: Path, qcd_dataset: Path, root: Path) -> Path:
    """A quick demo study in ``root`` on copies of the two datasets carrying the payloads."""
    top = _with_processes(top_dataset, root / SAMPLE_DIRS[0], SIGNAL)
    qcd = _with_processes(qcd_dataset, root / SAMPLE_DIRS[1], BACKGROUND)
    config = root / "demo.yaml"
    config.write_text(json.dumps({"out": str(root / STUDY_DIR), "signal": SIGNAL}))
    from jetxai.cli.main import main

    argv = ["demo", "--quick", "--quiet", "--config", config, "--data", top, "--data", qcd]
    code = main([str(a) for a in argv])
    assert code == 0
    return root / STUDY_DIR
