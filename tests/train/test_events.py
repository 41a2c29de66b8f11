"""Training on event-level datasets: event features as dense-net inputs, stored weights."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.data.schema import EVENT_FEATURES
from jetxai.errors import InputError
from jetxai.models import load
from jetxai.models.inputs import raw_inputs
from jetxai.train import TrainConfig, load_samples, train


def test_event_samples_use_the_stored_weights(vlq_dataset: Path, ttbar_dataset: Path) -> None:
    samples = load_samples([vlq_dataset, ttbar_dataset])
    assert samples.provenance["signal"] == ["vlq"]  # ttbar is a background
    assert samples.provenance["kind"] == "events"
    stored = ak.to_numpy(samples.jets.weight)
    np.testing.assert_array_equal(samples.cross_section_weight(), stored)
    balanced = samples.balanced_weight()
    for cls in (0, 1):
        chosen = samples.target == cls
        assert balanced[chosen].sum() == pytest.approx(0.5 * len(balanced))
        # within a class the cross-section ratios survive
        ratio = balanced[chosen] / stored[chosen]
        np.testing.assert_allclose(ratio, ratio[0])


def test_jets_and_events_do_not_mix(vlq_dataset: Path, top_dataset: Path) -> None:
    with pytest.raises(InputError, match="cannot mix jet and event datasets"):
        load_samples([vlq_dataset, top_dataset])


def test_dnn_defaults_to_every_event_feature(
    vlq_dataset: Path, ttbar_dataset: Path, tmp_path: Path
) -> None:
    config = TrainConfig(model="dnn", seeds=1, epochs=1)
    metrics = train(config, [vlq_dataset, ttbar_dataset], tmp_path, progress=False)
    assert metrics["xaug"] == list(EVENT_FEATURES)
    assert 0 <= metrics["efficiency_0.01"]["mean"] <= 1
    model = load(tmp_path / "seed-0")
    events = data.read(vlq_dataset)
    matrix = raw_inputs(model.spec, events)["xaug"]
    columns = np.stack([ak.to_numpy(events[n]) for n in EVENT_FEATURES], axis=1)
    np.testing.assert_array_equal(matrix, columns)


def test_a_chosen_subset_and_an_unknown_feature(vlq_dataset: Path, ttbar_dataset: Path) -> None:
    with pytest.raises(InputError, match="unknown XAUG variable or event feature"):
        TrainConfig(model="dnn", xaug=["ht", "hT"])
    events = data.read(vlq_dataset)
    config = TrainConfig(model="dnn", xaug=["ht", "met"])
    from jetxai.models import default_spec

    spec = default_spec(config.model, config.xaug)
    np.testing.assert_array_equal(raw_inputs(spec, events)["xaug"][:, 1], ak.to_numpy(events.met))
