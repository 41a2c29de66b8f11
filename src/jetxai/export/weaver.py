"""A weaver-core model as an ONNX file, as weaver exports it, checked against PyTorch on real
jets before it is kept.

As weaver's ``--export-onnx``: the model is built with ``for_inference=True`` (softmax outputs,
no trimming of padded particles; a ``--network-option`` may say otherwise), the inputs are named
and ordered as the data config's ``inputs`` with the shapes and dynamic axes of the network
file's ``model_info`` (batch and particle count dynamic where it gives none), and the output is
named after its ``output_names``; an input the model does not read (ParT's ``pf_points``) is
not in the graph. The data config and classes go into the file's metadata. The
check runs the first jets of the data in ONNX Runtime, at the config's particle count while the
export traced half of it, so the particle axis is seen to be dynamic.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from jetxai._io import atomic_path
from jetxai._optional import require
from jetxai.errors import InputError
from jetxai.export.onnx import CHECK_BATCH, OPSET, TOLERANCE, register_symbolics
from jetxai.weaver.config import DataConfig, read_data_config
from jetxai.weaver.inputs import read_batches
from jetxai.weaver.network import load_weaver_model


def _axes(config: DataConfig, info: dict[str, Any], output: str) -> dict[str, dict[int, str]]:
    """weaver's dynamic axes: the network file's, else batch and (per-particle inputs) the
    particle axis."""
    given = info.get("dynamic_axes")
    if given:
        return {str(k): {int(a): str(n) for a, n in v.items()} for k, v in given.items()}
    axes: dict[str, dict[int, str]] = {}
    for name, shape in config.input_shapes.items():
        axes[name] = {0: "N"} | ({2: "n_particles"} if shape[2] is not None else {})
    return axes | {output: {0: "N"}}


def _jets(config: DataConfig, files: Sequence[str | os.PathLike[str]]) -> dict[str, np.ndarray]:
    """The first :data:`CHECK_BATCH` jets of the data, as the model's inputs."""
    for batch in read_batches(config, files, max_jets=CHECK_BATCH):
        if len(batch) == CHECK_BATCH:
            return batch.inputs
    raise InputError(f"the data have fewer than {CHECK_BATCH} jets to check the export on")


def _halved(config: DataConfig, inputs: dict[str, np.ndarray]) -> tuple[torch.Tensor, ...]:
    """Two jets with half the particle slots of each per-particle input: the traced example."""
    out = []
    for name, shape in config.input_shapes.items():
        value = inputs[name][:2]
        if shape[2] is not None:
            value = value[..., : max(shape[2] // 2, 1)]
        out.append(torch.from_numpy(np.ascontiguousarray(value)))
    return tuple(out)


def export_weaver(
    network: str | os.PathLike[str],
    data_config: str | os.PathLike[str],
    files: Sequence[str | os.PathLike[str]],
    path: str | os.PathLike[str],
    weights: str | os.PathLike[str] | None = None,
    network_options: dict[str, Any] | None = None,
) -> tuple[Path, float]:
    """Write the weaver model as the ONNX file ``path`` (atomically) after checking it against
    PyTorch on the first jets of ``files``; return the file and the largest relative
    difference."""
    onnx = require("onnx", "onnx")
    onnxruntime = require("onnxruntime", "onnx")
    config = read_data_config(data_config)
    options = {"for_inference": True} | dict(network_options or {})
    weaver = load_weaver_model(network, config, weights, options)
    model, info = weaver.model.cpu().float().eval(), weaver.info
    output = str((info.get("output_names") or ["output"])[0])
    names = list(config.input_names)
    jets = _jets(config, files)
    register_symbolics()
    with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes on Python values it keeps constant
        traced = Path(scratch) / "model.onnx"
        torch.onnx.export(
            model,
            _halved(config, jets),
            traced,
            input_names=names,
            output_names=[output],
            dynamic_axes=_axes(config, info, output),
            opset_version=OPSET,
            dynamo=False,
        )
        graph = onnx.load(str(traced))
    described = {
        "weaver_data_config": json.dumps(config.options, default=str),
        "weaver_classes": ", ".join(config.classes),
        "weaver_inputs": ", ".join(names),
    }
    for key, value in described.items():
        entry = graph.metadata_props.add()
        entry.key, entry.value = key, value
    session = onnxruntime.InferenceSession(
        graph.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    # the exporter drops inputs the model does not read (ParT's points)
    taken = [i.name for i in session.get_inputs()]
    (got,) = session.run([output], {n: jets[n] for n in taken})
    with torch.no_grad():
        want = model(*(torch.from_numpy(jets[n]) for n in names)).numpy()
    worst = float(np.max(np.abs(got - want) / (1.0 + np.abs(want))))
    if not worst <= TOLERANCE:
        raise InputError(
            f"the ONNX export of {Path(network).name} differs from PyTorch by {worst:.2e} "
            f"(relative), more than {TOLERANCE:g}: an operation is not exported faithfully"
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        onnx.save(graph, str(tmp))
    return path, worst
