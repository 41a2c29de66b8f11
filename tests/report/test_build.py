"""The quick demo as a real process, and the self-contained report it writes."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jetxai.errors import InputError
from jetxai.report import build_report

#: The size a report page stays under (README: "about 4 MB").
PAGE_BYTES = 6_000_000


def test_page_is_self_contained_and_complete(study: Path) -> None:
    html = (study / "report" / "index.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) >= 8
    # one file a reader opens or mails: the quick study's page is 3.6 MB, the demo's 4.0 MB
    assert len(html.encode()) < PAGE_BYTES
    for image in images:
        assert base64.b64decode(image).startswith(b"\x89PNG")
    # nothing fetched from elsewhere (in-page anchors of the contents fetch nothing)
    assert not re.findall(r'(?:src|href)="(?!data:|#)', html)
    anchors = re.findall(r'href="#([a-z]+)"', html)
    assert len(anchors) == 8  # the contents, with the retraining truth and the per-jet view
    assert all(f'id="{a}"' in html for a in anchors)
    # every figure has a caption saying what to read from it
    assert html.count("<figcaption>") == len(images)
    assert "ε<sub>S</sub> at ε<sub>B</sub> = 1 %" in html
    assert 'alt="reduced-feature ROC curves"' in html  # the reduced networks' ROC, not only k
    assert "top and QCD jets, mean over seeds with their spread" in html  # the ΔR profile
    for heading in (
        "Data",
        "Taggers",
        "layerwise relevance propagation",
        "Integrated Gradients",
        "Reduced feature sets",
        "Which explanation to believe: the retraining truth",
        "Configuration and versions",
    ):
        assert heading in html


def test_metrics_json(study: Path) -> None:
    metrics = json.loads((study / "report" / "metrics.json").read_text())
    assert set(metrics["taggers"]) == {"dnn", "pfn", "pfn-xaug"}
    for tagger in metrics["taggers"].values():
        assert len(tagger["auc"]["values"]) == 2
    assert metrics["lrp"]["pfn-xaug"]["xaug_share"]["all"]["mean"] > 0
    # the numbers behind the constituent figures: shares of the particles' |relevance| (each
    # seed's add up to 1, so their means do), the ΔR profile per class, the (Δη, Δφ) maps
    shown = metrics["lrp"]["pfn-xaug"]
    shares = [f["mean"] for f in shown["feature_share"]]
    assert sum(shares) == pytest.approx(1.0, abs=1e-9)
    assert shares == sorted(shares, reverse=True)  # in the figure's order
    profile = shown["profile_dr"]
    assert set(profile["mean"]) == set(profile["std_over_seeds"]) == {"top jets", "QCD jets"}
    assert len(profile["mean"]["top jets"]) == len(profile["edges"]) - 1
    assert len(shown["map_eta_phi"]["signal"]) == len(shown["map_eta_phi"]["edges"]) - 1
    # the XAUG gain table's changes and the jets the browser shows
    gains = {(g["model"], g["metric"]): g for g in metrics["xaug_gains"]}
    auc = metrics["taggers"]
    assert gains["pfn", "auc"]["change"] == pytest.approx(
        auc["pfn-xaug"]["auc"]["mean"] - auc["pfn"]["auc"]["mean"], rel=1e-12
    )
    # IG completeness per baseline: the median over seeds of each seed's median |δ| / |f|
    for row in metrics["ig"]["completeness"]:
        name = f"ig-{metrics['ig']['model']}-{row['baseline']}"
        ranking = json.loads((study / "explain" / name / "ranking.json").read_text())
        per_seed = [s["conservation"]["median_abs_delta_over_logit"] for s in ranking["seeds"]]
        assert row["median_abs_delta_over_logit"] == pytest.approx(np.median(per_seed), rel=1e-12)
        assert row["seeds"] == len(per_seed)
    jets = metrics["jets"]
    assert len(jets) >= 6
    assert {j["label"] for j in jets} == {0, 1}
    assert len({j["test_row"] for j in jets}) == len(jets)
    assert {r["baseline"] for r in metrics["ig"]["scorecard"]} >= {"zero", "averaged (xsec)"}
    assert metrics["config"]["versions"]["pythia8mc"] == "8.317.2"


def test_rerun_reuses_every_step_and_rebuilds_the_page(study: Path) -> None:
    before = (study / "runs" / "pfn" / "seed-0" / "history.json").stat().st_mtime_ns
    result = subprocess.run(
        [sys.executable, "-m", "jetxai", "demo", "--quick", "--out", str(study)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (study / "runs" / "pfn" / "seed-0" / "history.json").stat().st_mtime_ns == before
    page = build_report(study)
    assert page == study / "report" / "index.html"


def test_missing_study_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing"):
        build_report(tmp_path)


def test_markup_in_a_study_file_is_escaped(study: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "study"
    shutil.copytree(study, copy)
    config = json.loads((copy / "study.json").read_text())
    config["title"] = '<script>alert("x")</script>'
    config["summary"] = "<img src=x onerror=alert(1)>"
    (copy / "study.json").write_text(json.dumps(config))
    html = build_report(copy).read_text()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_a_bounded_rejection_is_marked(study: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "study"
    shutil.copytree(study, copy)
    run = copy / "runs" / "dnn" / "metrics.json"
    metrics = json.loads(run.read_text())
    metrics["per_seed"][0]["rejection_0.3_is_lower_bound"] = True
    metrics["per_seed"][0]["rejection_0.5_is_lower_bound"] = False
    for seed in metrics["per_seed"][1:]:
        seed["rejection_0.3_is_lower_bound"] = seed["rejection_0.5_is_lower_bound"] = False
    run.write_text(json.dumps(metrics))
    html = build_report(copy).read_text()
    row = html[html.index("<tr><td>dnn</td>") :].split("</tr>")[0]
    cells = row.split("<td>")[1:]
    assert cells[2].startswith("≥ ")  # 1/ε_B at ε_S = 0.3: a lower bound for one seed
    assert not cells[3].startswith("≥")


def test_an_unknown_study_kind_is_refused(study: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "study"
    shutil.copytree(study, copy)
    config = json.loads((copy / "study.json").read_text())
    (copy / "study.json").write_text(json.dumps(config | {"kind": "cosmology"}))
    with pytest.raises(InputError, match="unknown study kind 'cosmology'"):
        build_report(copy)


def test_an_image_tagger_gets_its_mean_relevance_images(study: Path, tmp_path: Path) -> None:
    """A CNN trained and explained on the study's jets: its LRP section draws the mean
    relevance jet images, and metrics.json holds them."""
    import shutil

    from jetxai.studies.explain import explain_run
    from jetxai.train import TrainConfig, train

    copy = tmp_path / "study"
    shutil.copytree(study, copy)
    datasets = [copy / "data" / name for name in ("top", "qcd", "qcd-test")]
    config = TrainConfig(model="cnn", seeds=1, epochs=1, batch_size=64, image_bins=16)
    train(config, datasets, copy / "runs" / "cnn", progress=False)
    explain_run(copy / "runs" / "cnn", datasets, copy / "explain" / "lrp-cnn", method="lrp",
                max_jets=200, progress=False)  # fmt: skip
    study_config = json.loads((copy / "study.json").read_text())
    study_config["lrp"].append("cnn")
    (copy / "study.json").write_text(json.dumps(study_config))
    html = build_report(copy).read_text()
    assert "Mean LRP relevance per pixel of the centred and rotated jet images" in html
    images = json.loads((copy / "report" / "metrics.json").read_text())["lrp"]["cnn"]["images"]
    top, qcd, difference = (np.array(images[k]) for k in ("signal", "background", "difference"))
    assert top.shape == (16, 16)
    np.testing.assert_allclose(difference, top - qcd, rtol=1e-12, atol=1e-15)


def test_every_tagger_number_carries_its_errors(study: Path) -> None:
    html = (study / "report" / "index.html").read_text()
    metrics = json.loads((study / "runs" / "pfn" / "metrics.json").read_text())
    row = html[html.index("<tr><td>pfn</td>") :].split("</tr>")[0]
    auc, r03, r05, efficiency, balanced = (c.split("</td>")[0] for c in row.split("<td>")[2:])
    for cell in (auc, r03, r05, efficiency, balanced):
        assert "(stat)" in cell, cell
    # ε_S at ε_B = 1 %: the background jets placing the working point, "≈" under ten
    passing = metrics["efficiency_0.01"]["passing"]
    assert f"{min(passing):.0f}–{max(passing):.0f} bkg" in efficiency
    assert efficiency.startswith("≈ ") == (min(passing) < 10)
    # the balanced accuracy, not the share on the right side of score 0.5
    assert f"{metrics['balanced_accuracy']['mean']:.3g}" in balanced
    assert "balanced accuracy</th>" in html
    gains = html[html.index("What the XAUG variables add") :].split("</table>")[0]
    assert gains.count("(stat)") >= 2  # AUC and ε_S changes: statistical errors too
