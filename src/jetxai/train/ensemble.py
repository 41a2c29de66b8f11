"""Training a seed ensemble end to end: samples → inputs → K networks → metrics.json.

Output layout of ``train(config, data, out)``::

    out/metrics.json          auc, rejection_0.3, rejection_0.5, accuracy as mean/std/values,
                              per-seed metrics with ROC arrays, config, data provenance
    out/seed-<k>/model.json   spec (architecture, inputs, standardisation)
    out/seed-<k>/model.safetensors
    out/seed-<k>/history.json losses per epoch, best epoch, timing, the config that made it

A seed whose checkpoint was made with the same config and data is loaded instead of retrained.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import torch
from tqdm.auto import tqdm

from jetxai._io import read_json_object, remove_stale_temporaries, write_json
from jetxai.data.schema import EVENT_FEATURES
from jetxai.errors import InputError
from jetxai.evaluate.metrics import aggregate, tagging_metrics
from jetxai.features.constituents import NEEDS_PID
from jetxai.models import build, default_spec, load, save
from jetxai.models.checkpoint import weights_stamp
from jetxai.models.inputs import fit_standardisation, raw_inputs, to_tensors
from jetxai.train.config import TrainConfig
from jetxai.train.loop import Batches, fit, predict
from jetxai.train.samples import Samples, load_samples


def pick_device(name: str) -> torch.device:
    """``auto`` → CUDA when available, else CPU; ``cuda`` without a CUDA device is refused."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InputError("device 'cuda' asked for, but PyTorch sees no CUDA device here")
    return torch.device(name)


def _batches(
    inputs: tuple[torch.Tensor, ...],
    additional: tuple[torch.Tensor, ...],
    samples: Samples,
    index: np.ndarray,
    weight: np.ndarray,
) -> Batches:
    rows = torch.from_numpy(index)
    return Batches(
        inputs=tuple(t[rows] for t in inputs),
        additional=tuple(t[rows] for t in additional),
        target=torch.from_numpy(samples.target[index].astype(np.float32)),
        weight=torch.from_numpy(weight[index].astype(np.float32)),
    )


def stamp_hash(stamp: dict[str, Any]) -> str:
    """The hash of a training run's stamp, carried by the weights it saves."""
    return hashlib.sha256(json.dumps(stamp, sort_keys=True).encode()).hexdigest()[:16]


def _reusable(directory: Path, stamp: dict[str, Any]) -> bool:
    """A seed is reused only if its history *and* its weights come from this very run (a crash
    between saving the weights and the history must not pair new weights with an old history)."""
    history = directory / "history.json"
    if not history.is_file() or not (directory / "model.safetensors").is_file():
        return False
    try:
        recorded = read_json_object(history).get("stamp")
    except InputError:  # an unreadable history: not finished, train again
        return False
    return recorded == stamp and weights_stamp(directory) == stamp_hash(stamp)


def _constituent_fields(default: list[str], config: TrainConfig, samples: Samples) -> list[str]:
    """The per-constituent features: the config's, or the model's without those that need
    particle identity when the data carry none (a constant column teaches nothing)."""
    if not default:  # not a constituent model
        if config.constituent_fields:
            raise InputError(f"model {config.model!r} reads no constituent features")
        return default
    if config.constituent_fields is not None:
        return list(config.constituent_fields)
    jets = samples.in_memory()
    if "has_pid" in ak.fields(jets) and not bool(ak.all(jets.has_pid)):
        return [f for f in default if f not in NEEDS_PID]
    return default


def train(
    config: TrainConfig,
    datasets: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    progress: bool = True,
) -> dict[str, Any]:
    """Train ``config.seeds`` networks on ``datasets``; write and return the metrics."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    samples = load_samples(
        datasets, config.signal, config.val_fraction, config.test_fraction, config.split_seed
    )
    if samples.provenance["kind"] == "events" and config.model != "dnn":
        raise InputError(
            f"model {config.model!r} reads jet constituents or images; event datasets hold "
            "event features, which the dnn reads"
        )
    if samples.provenance["kind"] == "events" and not config.xaug:
        config = dataclasses.replace(config, xaug=list(EVENT_FEATURES))
    spec = default_spec(config.model, config.xaug, config.n_constituents)
    spec.constituent_fields = _constituent_fields(spec.constituent_fields, config, samples)
    if spec.image_bins:
        spec.image_bins = config.image_bins
    spec.options = dict(config.options)
    spec.data = samples.provenance
    raw = raw_inputs(spec, samples.in_memory())
    fit_standardisation(spec, {k: v[samples.train] for k, v in raw.items()})
    inputs, additional = to_tensors(spec, raw)
    balanced = samples.balanced_weight()
    train_set = _batches(inputs, additional, samples, samples.train, balanced)
    val_set = _batches(inputs, additional, samples, samples.val, balanced)
    test_set = _batches(inputs, additional, samples, samples.test, samples.weight)
    device = pick_device(config.device)
    stamp = {"config": config.to_dict(), "data": samples.provenance}

    per_seed, histories = [], []
    seeds = range(config.first_seed, config.first_seed + config.seeds)
    for seed in tqdm(seeds, desc=f"train {config.model}", unit="seed", disable=not progress):
        directory = out / f"seed-{seed}"
        remove_stale_temporaries(directory)  # what an interrupted earlier run left
        if _reusable(directory, stamp):
            model = load(directory, device)
            history = json.loads((directory / "history.json").read_text())
        else:
            torch.manual_seed(seed)
            model = build(copy.deepcopy(spec))
            fitted = fit(
                model,
                train_set,
                val_set,
                seed,
                config.epochs,
                config.batch_size,
                config.learning_rate,
                config.patience,
                device,
                progress,
            )
            save(model, directory, stamp_hash(stamp))
            history = {**fitted.to_dict(), "seed": seed, "stamp": stamp}
            write_json(directory / "history.json", history)
        scores = predict(model, test_set, device)
        metrics = tagging_metrics(
            scores, samples.target[samples.test], samples.weight[samples.test]
        )
        per_seed.append({"seed": seed, **metrics})
        histories.append(history)

    result = {
        "model": config.model,
        "xaug": list(config.xaug),
        **aggregate(per_seed),
        "training_jets_per_second": float(np.mean([h["jets_per_second"] for h in histories])),
        "epochs_run": [len(h["train_loss"]) for h in histories],
        "per_seed": per_seed,
        "config": config.to_dict(),
        "data": samples.provenance,
    }
    write_json(out / "metrics.json", result)
    return result
