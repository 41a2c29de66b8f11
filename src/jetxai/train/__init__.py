"""Training taggers reproducibly: seed ensembles, early stopping, safetensors checkpoints.

``train(TrainConfig(model="pfn", xaug=["mass", "tau32"], seeds=3), ["data/top", "data/qcd"],
"runs/pfn")`` writes ``runs/pfn/metrics.json`` and one checkpoint per seed. Same seed on CPU →
identical weights.
"""

from __future__ import annotations

from jetxai.train.config import TrainConfig, read_yaml
from jetxai.train.ensemble import pick_device, train
from jetxai.train.reduced import auc_ordering, random_ordering, reduced_feature_curve, smallest_k
from jetxai.train.retraining import drop_one_truth
from jetxai.train.samples import Samples, load_samples

__all__ = [
    "Samples",
    "TrainConfig",
    "auc_ordering",
    "drop_one_truth",
    "load_samples",
    "pick_device",
    "random_ordering",
    "read_yaml",
    "reduced_feature_curve",
    "smallest_k",
    "train",
]
