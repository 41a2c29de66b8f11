"""The background a study draws its IG baselines from: training-split background jets (or
events) of the network's own split, weighted uniformly or by cross-section.

- :func:`background_baseline`: every training background row, with per-row weights (uniform,
  or each row's σ / events tried), built into a registered baseline;
- :func:`background_sample`: at most ``n_max`` rows split equally between the background
  processes, with weights uniform per process and by each process's selected yield.
"""

from __future__ import annotations

from typing import Any

import awkward as ak
import numpy as np
import torch

from jetxai.errors import InputError
from jetxai.models import prepare_inputs
from jetxai.models.taggers import Tagger
from jetxai.studies.options import BACKGROUND_WEIGHTS
from jetxai.train.samples import Samples


def background_baseline(
    model: Tagger,
    samples: Samples,
    name: str,
    weights: str = "uniform",
    k: int | None = 16,
    seed: int = 0,
) -> Any:
    """The IG baseline ``name`` built from the background jets of the training split, with
    ``uniform`` or ``xsec`` (σ / events tried per process) weights. ``uniform`` (one draw per
    explained jet) comes back as a function of the explained inputs."""
    from jetxai.explain import baselines

    if weights not in BACKGROUND_WEIGHTS:
        raise InputError(f"weights must be uniform or xsec, got {weights!r}")
    rows = samples.train[samples.target[samples.train] == 0]
    background, _ = prepare_inputs(model, samples.jets[rows])
    w = samples.cross_section_weight()[rows] if weights == "xsec" else None
    if name == "uniform":  # one baseline per explained jet: drawn batch by batch
        return PerJetDraw(background, seed)
    generator = torch.Generator().manual_seed(seed)
    return baselines.build(
        name, background, background=background, weights=w, k=k, generator=generator
    )


class PerJetDraw:
    """The ``uniform`` baseline of a batch: one background row drawn for each explained jet,
    from a generator seeded by ``seed`` and the batch's first jet's position in the test split,
    so the draw does not depend on how the jets are chunked or which worker explains them."""

    def __init__(self, background: tuple[torch.Tensor, ...], seed: int) -> None:
        # the draw needs only each feature's range: two rows instead of the whole background
        self.ranges = tuple(
            torch.stack([b.min(dim=0).values, b.max(dim=0).values]) for b in background
        )
        self.seed = seed

    def __call__(self, inputs: tuple[torch.Tensor, ...], first: int) -> Any:
        from jetxai.explain import baselines

        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + first)
        return baselines.build("uniform", inputs, background=self.ranges, generator=generator)


def background_sample(
    samples: Samples, rng: np.random.Generator, n_max: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training-split background rows (at most ``n_max``, split equally between processes) with
    weights uniform per process and by cross-section (the process's selected yield σ × ε)."""
    rows = samples.train[samples.target[samples.train] == 0]
    processes = np.asarray(ak.to_list(samples.jets.process))
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
