"""A trained run as a Python object, for notebooks: its networks, the test split they were
trained with (never the training jets), the options it was trained with, and explanations and
predictions as pandas DataFrames.

    from jetxai.studies import open_run
    run = open_run("runs/pfn-xaug")             # the datasets it recorded, or data=[...]
    run.seeds, run.config["model"]              # [0, 1], "pfn"
    jets = run.test_jets()                      # awkward array of the test split
    scores = run.predictions()                  # one row per test jet and seed
    relevance = run.explain(method="lrp", max_jets=500)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import awkward as ak

from jetxai._io import read_json_object
from jetxai._optional import require
from jetxai.errors import InputError
from jetxai.models import load
from jetxai.models.tagger import Tagger
from jetxai.studies.checkpoints import SplitCache, checkpoint_seed, checkpoints
from jetxai.train.samples import Samples


def open_run(
    directory: str | os.PathLike[str], data: Sequence[str | os.PathLike[str]] | None = None
) -> Run:
    """The run (a training output directory, or one checkpoint) at ``directory``; ``data``: the
    datasets it was trained on (default: the paths its checkpoints recorded)."""
    return Run(Path(directory), data)


class Run:
    """A trained run: see the module docs."""

    def __init__(self, directory: Path, data: Sequence[str | os.PathLike[str]] | None) -> None:
        self.directory = directory
        self._checkpoints = {checkpoint_seed(path): path for path in checkpoints(directory)}
        first = load(next(iter(self._checkpoints.values())))
        given = data if data is not None else first.spec.data.get("datasets")
        if not given:
            raise InputError(f"{directory}: the checkpoints record no datasets; pass data=[...]")
        self.datasets = [Path(d) for d in given]
        self._splits = SplitCache(self.datasets, lazy=True)
        self._models: dict[int, Tagger] = {self.seeds[0]: first}

    def __repr__(self) -> str:
        return f"Run({str(self.directory)!r}, model={self.config['model']!r}, seeds={self.seeds})"

    @property
    def seeds(self) -> list[int]:
        """The seeds of the run's checkpoints."""
        return list(self._checkpoints)

    def model(self, seed: int | None = None) -> Tagger:
        """The network of ``seed`` (default: the first), in eval mode."""
        seed = self.seeds[0] if seed is None else seed
        if seed not in self._checkpoints:
            raise InputError(f"no seed {seed} in {self.directory}; seeds: {self.seeds}")
        if seed not in self._models:
            self._models[seed] = load(self._checkpoints[seed])
        return self._models[seed]

    @property
    def models(self) -> dict[int, Tagger]:
        """Every seed's network."""
        return {seed: self.model(seed) for seed in self.seeds}

    @cached_property
    def metrics(self) -> dict[str, Any]:
        """The run's metrics.json (test-split metrics per seed and aggregated; empty for a
        single checkpoint)."""
        path = self.directory / "metrics.json"
        return read_json_object(path) if path.is_file() else {}

    @property
    def config(self) -> dict[str, Any]:
        """The options the run was trained with."""
        if "config" in self.metrics:
            return dict(self.metrics["config"])
        history = self._checkpoints[self.seeds[0]] / "history.json"
        return dict(read_json_object(history)["stamp"]["config"])

    def samples(self, seed: int | None = None) -> Samples:
        """The split of ``seed``'s network, rebuilt from its checkpoint."""
        return self._splits(self.model(seed))

    def test_jets(self, seed: int | None = None) -> ak.Array:
        """The jets of the test split (in test order: row i is ``test_row`` i of the
        predictions and relevance tables)."""
        samples = self.samples(seed)
        return samples.jets[samples.test]

    def predictions(self, batch_size: int = 4096) -> Any:
        """Every test jet's logit and score per seed, with its identity, process, label, split
        and weight (:mod:`jetxai.studies.predictions`), as a pandas DataFrame; the networks and
        splits this run holds already are scored, nothing is loaded again."""
        from jetxai.studies.performance import score_test_split
        from jetxai.studies.predictions import prediction_columns

        pd = require("pandas", "io")
        frames = []
        for seed in self.seeds:
            samples = self.samples(seed)
            logit = score_test_split(self.model(seed), samples, batch_size)
            frames.append(pd.DataFrame(prediction_columns(seed, samples, logit)))
        return pd.concat(frames, ignore_index=True)

    def explain(
        self, out: str | os.PathLike[str] | None = None, progress: bool = True, **options: Any
    ) -> Any:
        """Explain every seed on its test split (:func:`jetxai.studies.explain.explain_run`'s
        options, e.g. ``method="ig", baseline="averaged", max_jets=500``); the per-jet
        relevances of every seed as one pandas DataFrame with a ``seed`` column (jagged
        columns as lists; a multi-class tagger's with a ``logit`` column naming the class, or
        X-vs-Y, explained). ``out`` keeps the files (relevance Parquet files, ranking.json);
        by default they are written to a temporary directory and removed."""
        from jetxai.studies.explain import explain_run

        pd = require("pandas", "io")
        with tempfile.TemporaryDirectory() as scratch:
            where = Path(out) if out is not None else Path(scratch)
            report = explain_run(self.directory, self.datasets, where, progress=progress, **options)
            logits = list(report["explained"]) if "explained" in report else [None]
            frames = []
            for logit in logits:
                files = where if logit is None else where / logit
                for seed, path in self._checkpoints.items():
                    name = path.name.removeprefix("seed-")  # as explain_run names the files
                    frame = pd.read_parquet(files / f"relevance-seed-{name}.parquet")
                    frame = frame.assign(seed=seed)
                    frames.append(frame if logit is None else frame.assign(logit=logit))
            return pd.concat(frames, ignore_index=True)
