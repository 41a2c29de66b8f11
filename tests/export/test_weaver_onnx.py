"""weaver-core models (the published example network files) exported to ONNX as weaver exports
them: run in ONNX Runtime on every jet of the data, at the config's particle count (the export
traced half of it), they equal PyTorch to 1e-5. Optional: skipped without weaver-core."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from jetxai.cli.main import main
from jetxai.weaver.config import read_data_config
from jetxai.weaver.inputs import read_batches
from jetxai.weaver.network import load_weaver_model

from ..weaver._paths import CONFIGS, NETWORKS

pytest.importorskip("weaver.nn.model.ParticleNet")
onnxruntime = pytest.importorskip("onnxruntime")

CONFIG = CONFIGS / "JetClass_full.yaml"


@pytest.mark.parametrize("network", ["example_ParticleTransformer", "example_ParticleNet"])
def test_the_onnx_file_gives_what_pytorch_gives_on_every_jet(
    network: str,
    jetclass_files: dict[str, Path],
    tmp_path: Path,
) -> None:
    config = read_data_config(CONFIG)
    torch.manual_seed(2)
    model = load_weaver_model(NETWORKS / f"{network}.py", config).model
    torch.save(model.state_dict(), tmp_path / "weights.pt")
    out = tmp_path / "model.onnx"
    code = main(["export", "--weaver-network", str(NETWORKS / f"{network}.py"),
                 "--data-config", str(CONFIG), "--model-weights", str(tmp_path / "weights.pt"),
                 "--data", str(jetclass_files["root"]), "--onnx", str(out)])  # fmt: skip
    assert code == 0
    # the reference: the same weights in weaver's inference form, in PyTorch
    reference = load_weaver_model(NETWORKS / f"{network}.py", config, tmp_path / "weights.pt",
                                  {"for_inference": True}).model  # fmt: skip
    (batch,) = read_batches(config, [jetclass_files["root"]])
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    taken = [i.name for i in session.get_inputs()]
    assert set(taken) <= set(config.input_names)
    (got,) = session.run(None, {n: batch.inputs[n] for n in taken})
    with torch.no_grad():
        want = reference(*(torch.from_numpy(batch.inputs[n]) for n in config.input_names))
    assert got.shape == (72, 10)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-5)  # softmax, as weaver exports


def test_a_weaver_export_needs_its_config_and_data(tmp_path: Path) -> None:
    network = str(NETWORKS / "example_ParticleNet.py")
    assert main(["export", "--weaver-network", network, "--onnx", str(tmp_path / "m.onnx")]) == 2
    assert not (tmp_path / "m.onnx").exists()
