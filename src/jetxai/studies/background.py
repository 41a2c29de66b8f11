"""The background a study draws its IG baselines from: training-split background jets (or
events) of the network's own split, weighted uniformly or by cross-section.

- :func:`background_baseline`: every training background row, with per-row weights (uniform,
  or each row's σ / events tried), built into a registered baseline;
- :func:`background_sample`: at most ``n_max`` rows split equally between the background
  processes, with weights uniform per process and by each process's selected yield.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from jetxai._registry import choose
from jetxai.models import prepare_inputs
from jetxai.models.taggers import Tagger
from jetxai.studies.options import BACKGROUND_WEIGHTS
from jetxai.train.samples import Samples

#: Background jets read (and turned into network inputs) at a time.
BLOCK = 20_000


def background_rows(samples: Samples) -> np.ndarray:
    """The rows (in the data) of the training split's background jets."""
    return samples.train[samples.target[samples.train] == 0]


def background_weights(samples: Samples, rows: np.ndarray, weights: str) -> torch.Tensor:
    """Per background row its weight, normalised to sum to 1: ``uniform`` (every jet alike;
    with generator weights, every jet by its weight within its process, so each process stands
    for its unbiased distribution), or ``xsec`` (the process's σ / events tried, or the stored
    weight in pb)."""
    choose(weights, BACKGROUND_WEIGHTS, "background weights")
    chosen = samples.unit_weight() if weights == "uniform" else samples.cross_section_weight()
    w = torch.as_tensor(chosen[rows], dtype=torch.float64)
    return w / w.sum()


def _inputs(model: Tagger, samples: Samples, rows: np.ndarray) -> tuple[torch.Tensor, ...]:
    """The network inputs of the jets at ``rows``, read :data:`BLOCK` jets at a time (only
    the inputs of every row are kept, not the jets)."""
    blocks = [
        prepare_inputs(model, samples.jets[rows[start : start + BLOCK]])[0]
        for start in range(0, len(rows), BLOCK)
    ]
    return tuple(torch.cat(parts) for parts in zip(*blocks, strict=True))


def background_baseline(
    model: Tagger,
    samples: Samples,
    name: str,
    weights: str = "uniform",
    k: int | None = 16,
    seed: int = 0,
) -> Any:
    """The IG baseline ``name`` built from the background jets of the training split, with
    ``uniform`` or ``xsec`` (σ / events tried per process) weights, as its registry entry
    declares: a per-jet baseline comes back as a :class:`PerJetDraw` (built batch by batch from
    the explained inputs), one that reads only some rows (``averaged`` of K jets) reads only
    those, a baseline without background is built once."""
    from jetxai.explain.baselines import BASELINES

    entry = BASELINES[name]
    generator = torch.Generator().manual_seed(seed)
    rows = background_rows(samples)
    if not entry.background:  # one row gives the inputs' shapes
        return entry(_inputs(model, samples, rows[:1]), k=k, generator=generator)
    w = background_weights(samples, rows, weights)
    if entry.read is not None:
        read = entry.read(
            lambda chosen: _inputs(model, samples, rows[chosen.numpy()]), w, k, generator
        )
        if read is not None:
            return read
    background = _inputs(model, samples, rows)
    if entry.per_jet:
        return PerJetDraw(entry, background, w, k, seed)
    used = w if entry.weighted else None
    return entry(background, background=background, weights=used, k=k, generator=generator)


class PerJetDraw:
    """A per-jet baseline of a batch (one baseline for each explained jet), drawn from a
    generator seeded by ``seed`` and the batch's first jet's position in the test split, so the
    draw does not depend on how the jets are chunked or which worker explains them. Only what
    the entry keeps of the background is held (``uniform``: each feature's range)."""

    def __init__(
        self,
        entry: Any,
        background: tuple[torch.Tensor, ...],
        weights: torch.Tensor,
        k: int | None,
        seed: int,
    ) -> None:
        self.entry = entry
        self.background = background if entry.keep is None else entry.keep(background)
        self.weights = weights if entry.weighted and entry.keep is None else None
        self.k = k
        self.seed = seed

    def __call__(self, inputs: tuple[torch.Tensor, ...], first: int) -> Any:
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + first)
        return self.entry(
            inputs,
            background=self.background,
            weights=self.weights,
            k=self.k,
            generator=generator,
        )


def background_sample(
    samples: Samples, rng: np.random.Generator, n_max: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training-split background rows (at most ``n_max``, split equally between processes) with
    weights uniform per process and by cross-section (the process's selected yield σ × ε)."""
    rows = background_rows(samples)
    processes = samples.processes
    xsec = samples.cross_section_weight()
    everywhere = samples.target == 0
    names = sorted(set(processes[rows]))
    chosen, uniform, by_xsec = [], [], []
    for name in names:
        mine = rows[processes[rows] == name]
        pick = rng.permutation(mine)[: max(n_max // len(names), 1)]
        yield_pb = xsec[everywhere & (processes == name)].sum()
        chosen.append(pick)
        uniform.append(np.full(len(pick), 1.0 / len(pick)))
        by_xsec.append(np.full(len(pick), yield_pb / len(pick)))
    return np.concatenate(chosen), np.concatenate(uniform), np.concatenate(by_xsec)
