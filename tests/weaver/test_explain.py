"""Explaining weaver-core models (the published example network files) on the inputs weaver
builds: per-class IG equal to Captum's with target k, a contrast equal to the difference of two
such, LRP conserving the logit of the bias-free model, the per-class page, and the command line
(weights loaded only as tensors). Optional: skipped without weaver-core."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import awkward as ak
import numpy as np
import pyarrow.parquet as pq
import pytest
import torch

from jetxai.cli.main import main
from jetxai.weaver.config import read_data_config
from jetxai.weaver.explain import explain_weaver
from jetxai.weaver.inputs import read_batches
from jetxai.weaver.network import load_weaver_model

from ._paths import CONFIGS, NETWORKS

pytest.importorskip("weaver.nn.model.ParticleNet")

PNET, PART = NETWORKS / "example_ParticleNet.py", NETWORKS / "example_ParticleTransformer.py"
CONFIG = CONFIGS / "JetClass_full.yaml"
EXPLAINED = ("pf_points", "pf_features", "pf_vectors")


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Seeded weights of both networks, and bias-free ones (biases and running means zero)."""
    root = tmp_path_factory.mktemp("weaver-weights")
    out = {}
    for name, network in (("pnet", PNET), ("part", PART)):
        torch.manual_seed(1)
        model = load_weaver_model(network, read_data_config(CONFIG)).model
        torch.save(model.state_dict(), root / f"{name}.pt")
        free = {
            k: torch.zeros_like(v) if k.endswith(("bias", "running_mean")) else v
            for k, v in model.state_dict().items()
        }
        torch.save(free, root / f"{name}-free.pt")
        out |= {name: root / f"{name}.pt", f"{name}-free": root / f"{name}-free.pt"}
    return out


def _captum_ig(weights: Path, file: Path, target: int) -> np.ndarray:
    """Captum's IG (zero baseline, target = k) per weaver variable, summed over particles."""
    captum = pytest.importorskip("captum.attr")
    config = read_data_config(CONFIG)
    model = load_weaver_model(PNET, config, weights).model
    (batch,) = read_batches(config, [file])
    # only the features have a gradient (the points pick neighbours, the four-vectors are not
    # read): Captum, which refuses an input without one, takes the others as fixed arguments
    # and their attributions are zero
    features = torch.from_numpy(batch.inputs["pf_features"])
    fixed = tuple(torch.from_numpy(batch.inputs[n]) for n in ("pf_points", "pf_vectors", "pf_mask"))

    def forward(x: torch.Tensor, points: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        return model(points, x, *rest)

    attribution = captum.IntegratedGradients(forward).attribute(
        features, baselines=torch.zeros_like(features), target=target,
        additional_forward_args=fixed, n_steps=16,
    )  # fmt: skip
    summed = attribution.sum(dim=2).double().numpy()
    return np.concatenate([np.zeros((len(batch), 2)), summed, np.zeros((len(batch), 4))], axis=1)


def _ours(out: Path, name: str) -> tuple[np.ndarray, list[str]]:
    table = pq.read_table(out / name / "relevance.parquet").to_pandas()
    columns = [c for c in table.columns if c.startswith("rel_pf_")]
    return table[columns].to_numpy(), columns


def test_ig_of_each_class_and_of_a_contrast_is_captums(
    weights: dict[str, Path], jetclass_files: dict[str, Path], tmp_path: Path
) -> None:
    file = jetclass_files["root"]
    classes = read_data_config(CONFIG).classes
    explain_weaver(PNET, CONFIG, [file], tmp_path / "one", weights["pnet"], method="ig",
                   baseline="zero", n_steps=16, target="Wqq", progress=False)  # fmt: skip
    ours, columns = _ours(tmp_path / "one", "Wqq")
    assert columns[:3] == ["rel_pf_points.part_deta", "rel_pf_points.part_dphi",
                           "rel_pf_features.part_pt_log"]  # fmt: skip
    wqq, tbqq = _captum_ig(weights["pnet"], file, 7), _captum_ig(weights["pnet"], file, 8)
    # float32 networks: agreement to float32 round-off of the sums
    np.testing.assert_allclose(ours, wqq, rtol=1e-4, atol=1e-5)
    explain_weaver(PNET, CONFIG, [file], tmp_path / "two", weights["pnet"], method="ig",
                   baseline="zero", n_steps=16, contrast=["Tbqq", "Wqq"],
                   progress=False)  # fmt: skip
    contrast, _ = _ours(tmp_path / "two", "Tbqq-vs-Wqq")
    table = pq.read_table(tmp_path / "two" / "Tbqq-vs-Wqq" / "relevance.parquet").to_pandas()
    assert set(table["label"]) == {"Tbqq", "Wqq"}  # the contrast's jets only
    (batch,) = read_batches(read_data_config(CONFIG), [file])
    rows = np.isin(batch.labels, [classes.index("Tbqq"), classes.index("Wqq")])
    np.testing.assert_allclose(contrast, (tbqq - wqq)[rows], rtol=1e-4, atol=1e-5)


def test_lrp_conserves_the_bias_free_logit_and_the_page_shows_each_class(
    weights: dict[str, Path], jetclass_files: dict[str, Path], tmp_path: Path
) -> None:
    from jetxai.report import build_report

    file = jetclass_files["parquet"]
    summaries = explain_weaver(PART, CONFIG, [file], tmp_path, weights["part-free"],
                               target=None, softmax="identity", epsilon=1e-9,
                               progress=False)  # fmt: skip
    assert list(summaries) == list(read_data_config(CONFIG).classes)  # every class by default
    for name, summary in summaries.items():
        # all of the logit in the relevances, to float32 round-off and what ε = 1e-9 absorbs
        # (ε = 1e-6 absorbs up to 2e-4 of it here)
        assert summary["conservation"]["median"] < 1e-4, name
        assert summary["jets"] == 72
        assert set(summary["source_share"]) == {"pairs", "class_token"}
        shares = [e["share"] for e in summary["ranking"]["all"]]
        assert sum(shares) == pytest.approx(1.0)
        assert summary["map_eta_phi"]["edges"][0] == pytest.approx(-0.8)
    table = pq.read_table(tmp_path / "Tbqq" / "relevance.parquet").to_pandas()
    # per particle: the sum over the variables of every per-particle input, real particles only
    particles = np.array([np.sum(r) for r in table["rel_particles"]])
    per_variable = table[[c for c in table.columns if c.startswith("rel_pf_")]].sum(axis=1)
    np.testing.assert_allclose(particles, per_variable, rtol=1e-6, atol=1e-6)
    (batch,) = read_batches(read_data_config(CONFIG), [file])
    counts = np.minimum(np.asarray(ak.num(batch.table.part_px, axis=1)), 128)
    assert [len(r) for r in table["rel_particles"]] == counts.tolist()
    page = build_report(tmp_path).read_text()
    assert "Confusion matrix" in page
    assert "Logit Tbqq</h2>" in page
    listing = json.loads((tmp_path / "classes.json").read_text())
    assert np.sum(listing["confusion"]["counts"]) == 72


def test_the_command_line_explains_a_weaver_model_and_never_unpickles_weights(
    weights: dict[str, Path], jetclass_files: dict[str, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    file = str(jetclass_files["root"])
    given = ["explain", "--weaver-network", str(PNET), "--data-config", str(CONFIG),
             "--data", file, "--out", str(tmp_path / "out"), "--quiet"]  # fmt: skip
    assert main([*given, "--model-weights", str(weights["pnet"]), "--target", "Tbqq"]) == 0
    assert (tmp_path / "out" / "report" / "index.html").is_file()
    assert "Tbqq: most relevant weaver inputs" in capsys.readouterr().out

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (Path.touch, (str(tmp_path / "pwned"),))

    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps({"mod.x": Payload()}))
    assert main([*given, "--model-weights", str(evil)]) == 2
    assert not (tmp_path / "pwned").exists()
    assert "not a weights file torch loads safely" in capsys.readouterr().err
    assert main([*given[:3], "--data", file, "--out", str(tmp_path / "x")]) == 2  # no config
    assert "--data-config" in capsys.readouterr().err
    assert main([*given, "--method", "shapley"]) == 2  # for jetxai's XAUG inputs only
    assert "weaver models are explained by lrp or ig" in capsys.readouterr().err
