"""The ``paper`` ParticleNet is weaver-core's ``ParticleNet`` with the published configuration:
weaver's weights (trained BatchNorm statistics included) copied by ``from_weaver_state`` give the
same outputs on the same jets to 1e-5, with the same number of parameters; LRP on the preset
conserves the bias-free model. Optional reference: skipped without weaver-core."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch

from jetxai.explain.lrp import lrp_decomposition
from jetxai.explain.lrp.engine import ConservationWarning
from jetxai.models import build
from jetxai.models.particlenet import PRESETS, from_weaver_state
from jetxai.models.spec import ModelSpec

weaver_pnet = pytest.importorskip("weaver.nn.model.ParticleNet")

N, P, F = 12, 40, 7
#: weaver's published ParticleNet (its ParticleNet example's conv_params, fc_params, fusion)
PAPER = {
    "conv_params": [(16, (64, 64, 64)), (16, (128, 128, 128)), (16, (256, 256, 256))],
    "fc_params": [(256, 0.1)],
    "use_fusion": True,
    "use_fts_bn": True,
    "use_counts": True,
}


def _jets() -> tuple[torch.Tensor, torch.Tensor]:
    """(constituents (N, P, F) with (Δη, Δφ) first, mask (N, P)); jets of 3 to 40 particles,
    some below k + 1 = 17, whose graphs take padded slots."""
    generator = torch.Generator().manual_seed(4)
    counts = torch.tensor([40, 33, 25, 20, 17, 16, 12, 9, 7, 5, 4, 3])
    mask = torch.arange(P)[None] < counts[:, None]
    x = torch.randn(N, P, F, generator=generator) * mask.unsqueeze(-1)
    return x, mask


def _weaver(trained: bool) -> torch.nn.Module:
    torch.manual_seed(0)
    model = weaver_pnet.ParticleNet(input_dims=F, num_classes=3, **PAPER)
    if trained:  # BatchNorm statistics and affine parameters that are not the initial ones
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                    module.running_mean.uniform_(-0.5, 0.5)
                    module.running_var.uniform_(0.5, 2.0)
                    module.weight.uniform_(0.5, 1.5)
                    module.bias.uniform_(-0.2, 0.2)
    return model.eval()


def _jetxai(n_features: int = F) -> torch.nn.Module:
    spec = ModelSpec(name="particlenet", constituent_fields=["deta", "dphi", *"abcde"],
                     n_constituents=P, classes=["qcd", "top", "w"])  # fmt: skip
    return build(spec, preset="paper").eval()


def test_the_preset_is_weavers_particlenet_to_1e_5_with_the_same_parameters() -> None:
    reference = _weaver(trained=True)
    ours = _jetxai()
    count = sum(p.numel() for p in ours.parameters())
    assert count == sum(p.numel() for p in reference.parameters())
    ours.load_state_dict(from_weaver_state(reference.state_dict()))
    x, mask = _jets()
    with torch.no_grad():
        want = reference(x[..., :2].transpose(1, 2), x.transpose(1, 2), mask.unsqueeze(1).float())
        got = ours(x, mask)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
    assert ours.spec.options == PRESETS["paper"]


def test_lrp_on_the_preset_conserves_the_bias_free_model() -> None:
    from ..explain.test_lrp_weaver import _without_biases

    ours = _without_biases(_jetxai().double())
    x, mask = _jets()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConservationWarning)
        result = lrp_decomposition(ours, x.double(), target=1, additional_forward_args=(mask,),
                                   epsilon=1e-12)  # fmt: skip
    assert float((result.delta.abs() / result.output.abs()).max()) <= 1e-6


def test_the_preset_trains_and_explains_from_the_command_line(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    from jetxai.cli.main import main
    from jetxai.models import load

    data = ["--data", str(top_dataset), "--data", str(qcd_dataset)]
    common = ["train", *data, "--model", "particlenet", "--seeds", "1", "--epochs", "1",
              "--n-constituents", "20", "--xaug", "", "--quiet"]  # fmt: skip
    assert main([*common, "--preset", "paper", "--out", str(tmp_path / "run")]) == 0
    model = load(tmp_path / "run" / "seed-0")
    assert model.spec.options == PRESETS["paper"]  # recorded in the checkpoint
    assert model.fusion is not None
    out = tmp_path / "explain"
    assert main(["explain", "--model", str(tmp_path / "run"), *data, "--out", str(out),
                 "--max-jets", "8", "--quiet"]) == 0  # fmt: skip
    assert (out / "relevance-seed-0.parquet").is_file()
    assert main([*common, "--preset", "huge", "--out", str(tmp_path / "bad")]) == 2


def test_reports_name_the_small_defaults_as_such(
    top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    """The small defaults of the published taggers are "…-like (small)" on a page; the paper
    preset and the taggers without a published architecture keep their names."""
    import json

    from jetxai.models.registry import architecture
    from jetxai.report.jet_page import taggers_section
    from jetxai.report.layout import StudyLayout
    from jetxai.train import TrainConfig, train

    assert architecture("part") == "ParT-like (small)"
    assert architecture("particlenet") == "ParticleNet-like (small)"
    assert architecture("particlenet", "paper") == "particlenet"
    assert architecture("pfn") == "pfn"
    layout = StudyLayout(tmp_path)
    for name, preset in (("small", None), ("paper", "paper")):
        config = TrainConfig(model="particlenet", xaug=[], seeds=1, epochs=1, n_constituents=20,
                             preset=preset)  # fmt: skip
        train(config, [top_dataset, qcd_dataset], layout.runs(name), progress=False)
        assert json.loads((layout.runs(name) / "metrics.json").read_text())["config"]["preset"] == (
            preset
        )
    context, _ = taggers_section(layout, {"models": ["small", "paper"]})
    assert [row["name"] for row in context["models"]] == [
        "small (ParticleNet-like (small))",
        "paper",
    ]
