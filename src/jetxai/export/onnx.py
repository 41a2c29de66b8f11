"""A jetxai tagger as an ONNX model: what a deployment (ONNX Runtime, a trigger, weaver's
inference) runs, checked against PyTorch when it is written.

Inputs are named after what they hold and taken standardised, exactly as the tagger takes them
(:func:`jetxai.models.prepare_inputs` makes them from jets; the standardisation is in the file's
``jetxai_spec`` metadata): ``constituents`` (batch, particles, features), ``images``
(batch, 1, bins, bins), ``xaug`` (batch, XAUG variables) and ``mask`` (batch, particles;
boolean: which particle slots hold a particle, the real ones first). Batch and particle count
are dynamic. The output ``logit`` is the signal logit (batch), or a multi-class tagger's logit
per class (batch, classes; the classes in the spec's order).
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from jetxai._io import atomic_path
from jetxai._optional import require
from jetxai.errors import InputError
from jetxai.models.tagger import Tagger

#: The ONNX operator set written (ONNX Runtime 1.17 and later run it).
OPSET = 17
#: Largest |ONNX − PyTorch| / (1 + |PyTorch|) accepted when the export is checked.
TOLERANCE = 1e-4
#: Batch and particle count of the check (other than the export's, so both axes are seen to
#: be dynamic).
CHECK_BATCH = 3


def onnx_inputs(
    model: Tagger, batch: int = 2, particles: int | None = None
) -> dict[str, np.ndarray]:
    """Inputs of ``model``'s ONNX file by name: standard-normal values of the right shapes, the
    mask holding particles first (one jet per batch row with fewer), for exporting and
    checking."""
    spec = model.spec
    generator = np.random.default_rng(0)
    particles = spec.n_constituents if particles is None else particles
    inputs: dict[str, np.ndarray] = {}
    shapes = {
        "constituents": (batch, particles, len(spec.constituent_fields)),
        "images": (batch, 1, spec.image_bins, spec.image_bins),
    }
    if model.representation in shapes:
        shape = shapes[model.representation]
        inputs[model.representation] = generator.standard_normal(shape).astype(np.float32)
    if model.n_xaug:
        inputs["xaug"] = generator.standard_normal((batch, model.n_xaug)).astype(np.float32)
    if model.representation == "constituents":
        lengths = np.maximum(particles - np.arange(batch) * 2, 1)[:, None]
        inputs["mask"] = np.arange(particles)[None, :] < lengths
    return inputs


def _cosh(g: Any, x: Any) -> Any:
    return g.op("Cosh", x)


def _logaddexp(g: Any, a: Any, b: Any) -> Any:
    """ln(e^a + e^b) = max + softplus(min − max)."""
    high, low = g.op("Max", a, b), g.op("Min", a, b)
    return g.op("Add", high, g.op("Softplus", g.op("Sub", low, high)))


#: torch operations the ONNX exporter has no translation for, with theirs (ParT's pair features)
SYMBOLICS: dict[str, Callable[..., Any]] = {"aten::cosh": _cosh, "aten::logaddexp": _logaddexp}


def register_symbolics() -> None:
    from torch.onnx import register_custom_op_symbolic

    for name, symbolic in SYMBOLICS.items():
        register_custom_op_symbolic(name, symbolic, OPSET)


def _dynamic_axes(names: list[str]) -> dict[str, dict[int, str]]:
    axes: dict[str, dict[int, str]] = {name: {0: "batch"} for name in names}
    for name in ("constituents", "mask"):
        if name in axes:
            axes[name][1] = "particles"
    return axes | {"logit": {0: "batch"}}


def export_onnx(model: Tagger, path: str | os.PathLike[str]) -> Path:
    """Write ``model`` (built or loaded by :mod:`jetxai.models`) as the ONNX file ``path``
    (atomically), with its spec as metadata; check it in ONNX Runtime, where installed,
    against PyTorch on inputs of another batch size and particle count."""
    onnx = require("onnx", "onnx")

    spec = getattr(model, "spec", None)
    if spec is None:
        raise InputError("model has no jetxai spec; build or load it with jetxai.models")
    model = model.cpu().float().eval()
    example = onnx_inputs(model)
    names = list(example)
    register_symbolics()
    with (
        tempfile.TemporaryDirectory() as scratch,
        warnings.catch_warnings(),
        torch.no_grad(),
    ):
        warnings.simplefilter("ignore")  # the tracer's notes on Python values it keeps constant
        traced = Path(scratch) / "model.onnx"
        torch.onnx.export(
            model.exportable(),
            tuple(torch.from_numpy(v) for v in example.values()),
            traced,
            input_names=names,
            output_names=["logit"],
            dynamic_axes=_dynamic_axes(names),
            opset_version=OPSET,
            dynamo=False,
        )
        graph = onnx.load(str(traced))
    described = {"jetxai_spec": json.dumps(spec.to_dict()), "jetxai_inputs": ", ".join(names)}
    for key, value in described.items():
        entry = graph.metadata_props.add()
        entry.key, entry.value = key, value
    check_onnx(model, graph.SerializeToString())
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        onnx.save(graph, str(tmp))
    return path


def check_onnx(model: Tagger, serialized: bytes) -> float | None:
    """The largest relative difference between ``model`` in PyTorch and its ONNX form in ONNX
    Runtime on inputs of another shape than the export's (None without ONNX Runtime); more
    than :data:`TOLERANCE` is an error."""
    try:
        import onnxruntime
    except ImportError:
        return None
    particles = model.spec.n_constituents + 5 if model.representation == "constituents" else None
    inputs = onnx_inputs(model, CHECK_BATCH, particles)
    session = onnxruntime.InferenceSession(serialized, providers=["CPUExecutionProvider"])
    (got,) = session.run(["logit"], inputs)
    with torch.no_grad():
        want = model(*(torch.from_numpy(v) for v in inputs.values())).numpy()
    worst = float(np.max(np.abs(got - want) / (1.0 + np.abs(want))))
    if not worst <= TOLERANCE:
        raise InputError(
            f"the ONNX export of {model.spec.name} differs from PyTorch by {worst:.2e} "
            f"(relative), more than {TOLERANCE:g}: an operation is not exported faithfully"
        )
    return worst


def export_run(run: str | os.PathLike[str], out: str | os.PathLike[str]) -> list[Path]:
    """Export every checkpoint of ``run`` (a checkpoint, or a training run's seeds): to ``out``
    for one, to ``<out stem>-seed-<k>.onnx`` beside it for several. Returns the files."""
    from jetxai.models import load
    from jetxai.studies.checkpoints import checkpoint_seed, checkpoints

    found = checkpoints(run)
    out = Path(out)
    if out.is_dir():
        raise InputError(f"{out} is a directory; name the ONNX file (e.g. {out}/model.onnx)")
    targets = [out] if len(found) == 1 else [
        out.with_name(f"{out.stem}-seed-{checkpoint_seed(c)}{out.suffix or '.onnx'}") for c in found
    ]  # fmt: skip
    return [export_onnx(load(c), target) for c, target in zip(found, targets, strict=True)]
