"""ONNX export: every registered tagger, run in ONNX Runtime, gives PyTorch's logits to 1e-5
on inputs of other batch sizes and particle counts than the export's (the axes are dynamic),
and ``jetxai export`` writes a trained run's seeds with their spec as metadata."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from jetxai.models import build, default_spec, load, prepare_inputs
from jetxai.models.registry import MODELS

from ..cli.test_generate_cli import jetxai

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")

#: (model, XAUG variables): every registered model with its XAUG branch, and some without
CASES = [(name, ["mass", "tau32"]) for name in MODELS] + [
    (name, []) for name in ("pfn", "part", "particlenet", "lstm", "cnn")
]


def _session(path: Path) -> object:
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize(("name", "xaug"), CASES, ids=[f"{n}-{len(x)}" for n, x in CASES])
def test_every_model_runs_in_onnxruntime_as_in_pytorch(
    name: str, xaug: list[str], tmp_path: Path
) -> None:
    from jetxai.export import export_onnx, onnx_inputs

    torch.manual_seed(3)
    model = build(default_spec(name, xaug, n_constituents=16)).eval()
    path = export_onnx(model, tmp_path / f"{name}.onnx")
    session = _session(path)
    expected = ["constituents", "images", "xaug", "mask"]
    names = [i.name for i in session.get_inputs()]
    assert names == [n for n in expected if n in onnx_inputs(model)]
    for batch, particles in ((1, 16), (5, 23), (7, 12)):
        inputs = onnx_inputs(model, batch, particles)
        inputs = {k: v if v.dtype == bool else v * 2.0 + 0.5 for k, v in inputs.items()}
        (got,) = session.run(["logit"], inputs)
        with torch.no_grad():
            want = model(*(torch.from_numpy(v) for v in inputs.values())).numpy()
        assert got.shape == (batch,)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_an_export_that_does_not_match_is_refused_and_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jetxai.errors import InputError
    from jetxai.export import export_onnx, onnx

    monkeypatch.setattr(onnx, "TOLERANCE", -1.0)  # nothing passes
    model = build(default_spec("pfn", ["mass"], n_constituents=8))
    with pytest.raises(InputError, match="differs from PyTorch"):
        export_onnx(model, tmp_path / "pfn.onnx")
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def trained_pfn(
    top_dataset: Path, qcd_dataset: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    from jetxai.features import add_xaug
    from jetxai.train import TrainConfig, train

    root = tmp_path_factory.mktemp("export")
    for name, dataset in (("top", top_dataset), ("qcd", qcd_dataset)):
        shutil.copytree(dataset, root / name)
        add_xaug(root / name, ["mass", "tau32"], progress=False)
    config = TrainConfig(
        model="pfn", xaug=["mass", "tau32"], seeds=2, epochs=1, batch_size=16, n_constituents=16
    )
    train(config, [root / "top", root / "qcd"], root / "run", progress=False)
    return root


def test_jetxai_export_writes_every_seed_and_matches_on_real_jets(
    trained_pfn: Path, tmp_path: Path
) -> None:
    from jetxai import data

    done = jetxai("export", str(trained_pfn / "run"), "--onnx", str(tmp_path / "pfn.onnx"))
    assert done.returncode == 0, done.stderr
    jets = data.read(trained_pfn / "top")
    for seed in (0, 1):
        path = tmp_path / f"pfn-seed-{seed}.onnx"
        assert f"wrote {path}" in done.stdout
        model = load(trained_pfn / "run" / f"seed-{seed}").eval()
        stored = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
        spec = json.loads((trained_pfn / "run" / f"seed-{seed}" / "model.json").read_text())
        assert json.loads(stored["jetxai_spec"]) == spec
        inputs, additional = prepare_inputs(model, jets)
        feed = dict(zip(["constituents", "xaug", "mask"], [*inputs, *additional], strict=True))
        (got,) = _session(path).run(["logit"], {k: v.numpy() for k, v in feed.items()})
        with torch.no_grad():
            want = model(*inputs, *additional).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda root, tmp: [tmp / "nothing", "--onnx", tmp / "x.onnx"], "no checkpoint"),
        (lambda root, tmp: [root / "run" / "seed-0", "--onnx", tmp], "is a directory"),
    ],
    ids=["no checkpoint", "out is a directory"],
)
def test_bad_exports_are_one_line(trained_pfn: Path, tmp_path: Path, make, phrase: str) -> None:  # type: ignore[no-untyped-def]
    done = jetxai("export", *map(str, make(trained_pfn, tmp_path)))
    assert done.returncode == 2
    assert phrase in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["pfn", "part", "dnn"])
def test_a_multi_class_tagger_exports_its_logit_per_class(name: str, tmp_path: Path) -> None:
    from jetxai.export import export_onnx, onnx_inputs

    spec = default_spec(name, ["mass"], n_constituents=12)
    spec.classes = ["qcd", "top", "w"]
    model = build(spec).eval()
    session = _session(export_onnx(model, tmp_path / "m.onnx"))
    inputs = onnx_inputs(model, 4, 15 if name != "dnn" else None)
    (got,) = session.run(["logit"], inputs)
    with torch.no_grad():
        want = model(*(torch.from_numpy(v) for v in inputs.values())).numpy()
    assert got.shape == (4, 3)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
