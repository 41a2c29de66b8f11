"""The event-level case study on small generated samples: outputs, weights, CLI errors."""

from __future__ import annotations

import json
from pathlib import Path

import awkward as ak
import pytest
import torch

from jetxai import data
from jetxai.errors import InputError
from jetxai.models import load, prepare_inputs
from jetxai.studies.event_study import EXPLANATIONS, blank_baseline, run_event_study

from ..cli.test_generate_cli import jetxai


@pytest.fixture(scope="module")
def event_study(
    vlq_dataset: Path, ttbar_dataset: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("event-study")
    run_event_study(
        [vlq_dataset, ttbar_dataset], out, seeds=2, epochs=2, n_steps=8, k=4, progress=False
    )
    return out


def test_study_writes_tables_figures_and_every_explanation(event_study: Path) -> None:
    study = json.loads((event_study / "results.json").read_text())
    config = json.loads((event_study / "study.json").read_text())
    assert config["kind"] == "event-classification"
    assert config["options"]["seeds"] == 2
    assert set(study["samples"]) == {"vlq", "ttbar"}
    assert set(study["explanations"]) == set(EXPLANATIONS.values())
    assert len(study["classifier"]["auc"]["values"]) == 2
    for name, entry in study["explanations"].items():
        assert sorted(entry["ranking"]) == sorted(study["features"])
        assert (event_study / "figures" / f"attribution-{name}.png").is_file()
        # the ranking orders features by the size of their mean attribution
        sizes = [abs(entry["mean_attribution"][f]) for f in entry["ranking"]]
        assert sizes == sorted(sizes, reverse=True)
    # one report for every study: the event page, with every figure embedded
    page = (event_study / "report" / "index.html").read_text()
    # the attribution figures and the classifier's ROC and rejection curves
    assert page.count("data:image/png;base64,") == len(study["figures"]) + 2
    assert "ig-averaged-xsec" in page
    metrics = json.loads((event_study / "report" / "metrics.json").read_text())
    assert metrics["classifier"] == study["classifier"]
    assert metrics["explanations"] == study["explanations"]
    text = (event_study / "study.md").read_text()
    assert "| vlq |" in text
    assert "ig-averaged-xsec" in text
    assert "| smoothgrad | - |" in text  # the full scorecard of the first network


def test_study_refuses_jet_datasets(top_dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not an event-level dataset"):
        run_event_study([top_dataset], tmp_path)
    result = jetxai("study", "--data", str(top_dataset), "--out", str(tmp_path / "s"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "not an event-level dataset" in result.stderr


def test_blank_baseline_is_the_empty_event_in_standardised_inputs(
    event_study: Path, vlq_dataset: Path
) -> None:
    model = load(event_study / "run" / "seed-0")
    events = data.read(vlq_dataset)[:1]
    for name in model.spec.xaug:
        events = ak.with_field(events, ak.zeros_like(events[name]), name)
    (empty,), _ = prepare_inputs(model, events)
    torch.testing.assert_close(blank_baseline(model.spec).float(), empty, rtol=1e-6, atol=1e-6)


def test_event_page_renders_in_chromium_with_every_image(
    event_study: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from ..report.chromium import check_page

    page = (event_study / "report" / "index.html").resolve().as_uri()
    artifacts = Path(request.config.rootpath) / "test-artifacts"
    sections = check_page(page, tmp_path, "event-report", artifacts, min_images=4)
    assert sections == ["samples", "classifier", "explanations", "configuration"]
