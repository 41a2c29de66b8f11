"""Training taggers reproducibly: seed ensembles, early stopping, safetensors checkpoints.

``train(TrainConfig(model="pfn", xaug=["mass", "tau32"], seeds=3), ["data/top", "data/qcd"],
"runs/pfn")`` writes ``runs/pfn/metrics.json`` and one checkpoint per seed. Same seed on CPU →
identical weights.
"""

from __future__ import annotations

from jetxai.train.config import TrainConfig, read_yaml
from jetxai.train.ensemble import pick_device, train
from jetxai.train.samples import Samples, load_samples

__all__ = ["Samples", "TrainConfig", "load_samples", "pick_device", "read_yaml", "train"]
