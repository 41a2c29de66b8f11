"""A user's own tagger, registered with ``jetxai.models.register``, gets the whole pipeline."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.features import add_xaug
from jetxai.models import MODELS, Tagger, load, register
from jetxai.models.layers import Head, MaskedSum, mlp
from jetxai.studies.explain import explain_run
from jetxai.train import TrainConfig, train


@pytest.fixture
def user_model() -> Iterator[str]:
    @register("user_deepset", constituent_fields=("deta", "dphi", "log_pt"))
    class UserDeepSet(Tagger):
        """A user's deep set with a tanh inside."""

        representation = "constituents"

        def __init__(self, n_features: int, n_xaug: int = 0, width: int = 8) -> None:
            super().__init__(n_xaug)
            self.phi = nn.Sequential(nn.Linear(n_features, width), nn.Tanh())
            self.pool = MaskedSum()
            self.head = Head(width, n_xaug, (width,))

        def forward(self, constituents: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
            *xaug, mask = rest
            return self.head(self.pool(self.phi(constituents), mask), *xaug)

    yield "user_deepset"
    MODELS.pop("user_deepset")


def test_a_registered_tagger_trains_loads_and_is_explained(
    user_model: str, top_dataset: Path, qcd_dataset: Path, tmp_path: Path
) -> None:
    datasets = []
    for name, source in (("top", top_dataset), ("qcd", qcd_dataset)):
        shutil.copytree(source, tmp_path / name)
        add_xaug(tmp_path / name, ["mass"], progress=False)
        datasets.append(tmp_path / name)
    config = TrainConfig(
        model=user_model, xaug=["mass"], seeds=1, epochs=1, batch_size=16, options={"width": 4}
    )
    train(config, datasets, tmp_path / "run", progress=False)
    model = load(tmp_path / "run" / "seed-0")
    assert type(model).__name__ == "UserDeepSet"
    assert model.phi[0].out_features == 4
    assert MODELS[user_model].description == "A user's deep set with a tanh inside."
    for method in ("lrp", "ig"):
        report = explain_run(
            tmp_path / "run", datasets, tmp_path / method, method=method, n_steps=8, k=4,
            progress=False,
        )  # fmt: skip
        assert report["seeds"][0]["ranking"]["order"] == ["mass"]


def test_register_refuses_what_is_not_a_tagger(user_model: str) -> None:
    with pytest.raises(InputError, match=r"not a jetxai\.models\.Tagger subclass"):
        register("plain")(nn.Linear)  # type: ignore[type-var]

    class Odd(Tagger):
        representation = "graphs"

    with pytest.raises(InputError, match="representation must be one of"):
        register("odd")(Odd)
    with pytest.raises(ValueError, match="already registered"):
        register(user_model)(type("Again", (Tagger,), {}))


def test_an_uncovered_module_of_a_user_model_is_named(user_model: str) -> None:
    from jetxai.explain.lrp import lrp

    class Gated(Tagger):
        representation = "xaug"

        def __init__(self, n_xaug: int) -> None:
            super().__init__(n_xaug)
            self.gate = nn.Bilinear(n_xaug, n_xaug, 1)
            self.net = mlp([n_xaug, 1], final_activation=False)

        def forward(self, xaug: torch.Tensor) -> torch.Tensor:
            return (self.net(xaug) + self.gate(xaug, xaug)).squeeze(-1)

    with pytest.raises(InputError, match=r"module 'gate' \(Bilinear\)"):
        lrp(Gated(3).eval(), torch.randn(4, 3))
