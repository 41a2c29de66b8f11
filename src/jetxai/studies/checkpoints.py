"""Trained checkpoints and the data they were trained on: the one place a study finds its
networks (one checkpoint, or every ``seed-*`` of a training run) and rebuilds each network's
train / validation / test split from the provenance its checkpoint records."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from jetxai.errors import InputError
from jetxai.models.taggers import Tagger
from jetxai.train.samples import Samples, dataset_identities, load_samples


def checkpoints(path: str | os.PathLike[str]) -> list[Path]:
    """The checkpoint directories at ``path``: itself, or its ``seed-*`` subdirectories."""
    path = Path(path)
    if (path / "model.json").is_file():
        return [path]
    found = sorted(p for p in path.glob("seed-*") if (p / "model.json").is_file())
    if not found:
        raise InputError(f"{path}: no checkpoint (model.json) here or in seed-* subdirectories")
    return found


def checkpoint_seed(checkpoint: Path) -> int:
    """A checkpoint's seed: the number of its ``seed-<k>`` directory (-1 for a checkpoint
    directory named otherwise)."""
    name = checkpoint.name.removeprefix("seed-")
    return int(name) if name.isdigit() else -1


def training_samples(
    model: Tagger, datasets: Sequence[str | os.PathLike[str]], lazy: bool = False
) -> Samples:
    """The train / validation / test split ``model`` was trained with, rebuilt from the
    provenance its checkpoint records (``lazy``: its jets read when asked for)."""
    provenance = model.spec.data
    split = provenance.get("split")
    if not split or "dataset_ids" not in provenance:
        raise InputError(
            "the checkpoint records no jet-identity split (trained by an older jetxai); retrain it"
        )
    given = sorted(dataset_identities(datasets))
    if given != provenance["dataset_ids"]:
        raise InputError(
            f"the checkpoint was trained on {len(provenance['dataset_ids'])} dataset(s) "
            f"({', '.join(provenance['dataset_ids'])}); --data gives {', '.join(given)}: "
            "pass exactly the datasets it was trained on"
        )
    samples = load_samples(
        datasets,
        provenance["signal"],
        split.get("val", 0.2),
        split.get("test", 0.2),
        provenance["split_seed"],
        lazy=lazy,
        classes=provenance.get("classes"),
    )
    if samples.provenance["n_jets"] != provenance.get("n_jets"):
        raise InputError("the rebuilt split differs from the checkpoint's; the data changed")
    return samples


class SplitCache:
    """Training splits by provenance: the seeds of one run share theirs, so it is read once
    (``lazy``: the jets are read when asked for)."""

    def __init__(self, datasets: Sequence[str | os.PathLike[str]], lazy: bool = False) -> None:
        self.datasets = datasets
        self.lazy = lazy
        self._cache: dict[str, Samples] = {}

    def __call__(self, model: Tagger) -> Samples:
        key = json.dumps(model.spec.data, sort_keys=True, default=str)
        if key not in self._cache:
            self._cache[key] = training_samples(model, self.datasets, self.lazy)
        return self._cache[key]
