"""Training a seed ensemble end to end: samples → inputs → K networks → metrics.json.

Output layout of ``train(config, data, out)``::

    out/metrics.json          auc, rejection_0.3, rejection_0.5, accuracy as mean/std/values,
                              per-seed metrics with ROC arrays, config, data provenance
    out/seed-<k>/model.json   spec (architecture, inputs, standardisation)
    out/seed-<k>/model.safetensors
    out/seed-<k>/history.json losses per epoch, best epoch, timing, the config that made it
    out/seed-<k>/progress.*   while a seed trains: its resumable state (jetxai.train.resume)
    out/.prepared/            while the run trains: the inputs, prepared once (train.prepared)

A seed whose checkpoint was made with the same config and data is loaded instead of retrained;
a seed that was interrupted resumes from its last saved state.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import torch
from tqdm.auto import tqdm

from jetxai import data
from jetxai._io import read_json_object, remove_stale_temporaries, write_json
from jetxai._quiet import bar_disabled
from jetxai.data.schema import EVENT_FEATURES
from jetxai.errors import InputError
from jetxai.evaluate.metrics import aggregate
from jetxai.evaluate.multiclass import aggregate_multiclass, network_metrics
from jetxai.features.constituents import NEEDS_PID
from jetxai.models import build, default_spec, load, save
from jetxai.models.checkpoint import weights_stamp
from jetxai.models.registry import entry, preset_options
from jetxai.models.spec import ModelSpec
from jetxai.models.tagger import Tagger
from jetxai.train import distributed
from jetxai.train.config import TrainConfig
from jetxai.train.loop import Checkpointing, fit, predict
from jetxai.train.prepared import BLOCK_JETS, Prepared, input_key, prepare
from jetxai.train.samples import Samples, load_samples
from jetxai.train.stream import BlockStream

#: Where a run keeps its prepared inputs while it trains (removed when it is done).
PREPARED = ".prepared"


def pick_device(name: str) -> torch.device:
    """``auto`` → CUDA when available, else CPU; ``cuda`` without a CUDA device is refused."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InputError("device 'cuda' asked for, but PyTorch sees no CUDA device here")
    return torch.device(name)


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
    if "has_pid" in samples.jets.fields and not all(
        bool(ak.all(data.read(root, ["has_pid"]).has_pid))
        for root in samples.provenance["datasets"]
    ):
        return [f for f in default if f not in NEEDS_PID]
    return default


def _prepare(
    config: TrainConfig, samples: Samples, out: Path, progress: bool
) -> tuple[ModelSpec, Prepared]:
    """The model's spec (standardisation fitted) and its inputs prepared on disk; on several
    processes the first prepares and the others wait, then read what it wrote."""
    spec = default_spec(config.model, config.xaug, config.n_constituents)
    spec.constituent_fields = _constituent_fields(spec.constituent_fields, config, samples)
    if spec.image_bins:
        spec.image_bins = config.image_bins
    spec.options = preset_options(config.model, config.preset) | dict(config.options)
    spec.classes = list(samples.provenance.get("classes", []))
    spec.check()  # sizes out of bounds, then sizes that cannot work: before any data are read
    entry(config.model).cls.check_options(spec, config.batch_size)
    spec.data = samples.provenance
    world = distributed.current()
    key = input_key(spec, samples.provenance, BLOCK_JETS)
    arguments = (
        samples.jets,
        samples.split_codes(),
        samples.target,
        samples.balanced_weight(),
        samples.weight,
        out / PREPARED,
        key,
        entry(config.model).standardise_constituents,
    )
    if world.is_main:
        prepared = prepare(spec, *arguments, progress=progress)
    distributed.barrier()
    if not world.is_main:
        prepared = prepare(spec, *arguments, progress=False)
    return spec, prepared


def train(
    config: TrainConfig,
    datasets: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    progress: bool = True,
) -> dict[str, Any]:
    """Train ``config.seeds`` networks on ``datasets``; write and return the metrics.

    The jets are streamed from the dataset files (:mod:`jetxai.train.prepared`,
    :mod:`jetxai.train.stream`), so memory does not grow with their number; with
    ``config.nproc`` > 1 (or under ``torchrun``) every seed trains on several processes."""
    out = Path(out)
    device = pick_device(config.device)
    if config.nproc > 1 and distributed.current().size == 1 and "WORLD_SIZE" not in os.environ:
        out.mkdir(parents=True, exist_ok=True)
        # each process runs train() again and joins the group the launcher describes
        distributed.launch(
            config.nproc, train, config, [str(d) for d in datasets], str(out), progress
        )
        return read_json_object(out / "metrics.json")
    joined = distributed.join_from_environment(device)
    try:
        return _train(config, datasets, out, device, progress)
    finally:
        if joined:
            distributed.leave()


def _train(
    config: TrainConfig,
    datasets: Sequence[str | os.PathLike[str]],
    out: Path,
    device: torch.device,
    progress: bool,
) -> dict[str, Any]:
    world = distributed.current()
    if world.size != config.nproc:  # started by torchrun: record the processes it started
        config = dataclasses.replace(config, nproc=world.size)
    out.mkdir(parents=True, exist_ok=True)
    if world.is_main:
        remove_stale_temporaries(out)
    samples = load_samples(
        datasets,
        config.signal,
        config.val_fraction,
        config.test_fraction,
        config.split_seed,
        lazy=True,
        classes=config.classes,
    )
    config = _for_the_data(config, samples)
    spec, prepared = _prepare(config, samples, out, progress)
    sets = tuple(
        BlockStream(prepared, part, spec, world.rank, world.size) for part in ("train", "val")
    )
    test_set = BlockStream(prepared, "test", spec)
    stamp = {"config": config.to_dict(), "data": samples.provenance}
    per_seed, histories = [], []
    seeds = range(config.first_seed, config.first_seed + config.seeds)
    shown = progress and world.is_main
    for seed in tqdm(seeds, desc=f"train {config.model}", unit="seed", disable=bar_disabled(shown)):
        model, history = _seed(
            config, spec, sets, seed, out / f"seed-{seed}", stamp, device, progress
        )
        if world.is_main:
            scores = predict(model, test_set, device, precision=config.precision)
            test = samples.test
            truth, weight = samples.target[test], samples.weight[test]
            metrics = network_metrics(spec.classes, scores, truth, weight)
            per_seed.append({"seed": seed, **metrics})
        histories.append(history)
    if not world.is_main:
        return {}
    result = {
        "model": config.model,
        "xaug": list(config.xaug),
        **(aggregate_multiclass(per_seed) if spec.classes else aggregate(per_seed)),
        "training_jets_per_second": float(np.mean([h["jets_per_second"] for h in histories])),
        "epochs_run": [len(h["train_loss"]) for h in histories],
        "per_seed": per_seed,
        "config": config.to_dict(),
        "data": samples.provenance,
    }
    write_json(out / "metrics.json", result)
    shutil.rmtree(out / PREPARED, ignore_errors=True)
    return result


def _for_the_data(config: TrainConfig, samples: Samples) -> TrainConfig:
    """The config for event datasets: only the dnn reads event features, all of them unless
    the config names some."""
    if samples.provenance["kind"] != "events":
        return config
    if config.model != "dnn":
        raise InputError(
            f"model {config.model!r} reads jet constituents or images; event datasets hold "
            "event features, which the dnn reads"
        )
    return config if config.xaug else dataclasses.replace(config, xaug=list(EVENT_FEATURES))


def _seed(
    config: TrainConfig,
    spec: ModelSpec,
    sets: tuple[BlockStream, ...],
    seed: int,
    directory: Path,
    stamp: dict[str, Any],
    device: torch.device,
    progress: bool,
) -> tuple[Tagger, dict[str, Any]]:
    """One seed's network and history: reused where ``directory`` holds it for ``stamp``,
    else trained (resuming its progress) and saved."""
    world = distributed.current()
    if world.is_main:
        remove_stale_temporaries(directory)  # what an interrupted earlier run left
    distributed.barrier()
    if _reusable(directory, stamp):
        return load(directory, device), json.loads((directory / "history.json").read_text())
    torch.manual_seed(seed)
    model = build(copy.deepcopy(spec))
    train_set, val_set = sets
    fitted = fit(
        model, train_set, val_set, seed, config.epochs, config.batch_size, config.learning_rate,
        config.patience, device, progress, Checkpointing(directory, stamp_hash(stamp)),
        config.precision,
    )  # fmt: skip
    history = {**fitted.to_dict(), "seed": seed, "stamp": stamp}
    if world.is_main:
        save(model, directory, stamp_hash(stamp))
        write_json(directory / "history.json", history)
    distributed.barrier()
    return model, history
