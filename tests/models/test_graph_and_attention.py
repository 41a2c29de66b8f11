"""ParticleNet's neighbour graph and ParT's pairwise features against independent references,
and the guards that keep their gradients finite (Integrated Gradients never sees a NaN)."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import torch

from jetxai import data
from jetxai.errors import InputError
from jetxai.explain import integrated_gradients
from jetxai.models import build, default_spec, prepare_inputs
from jetxai.models.inputs import fit_standardisation, raw_inputs
from jetxai.models.part import pair_features
from jetxai.models.particlenet import nearest_neighbours


def test_nearest_neighbours_are_the_closest_real_other_particles() -> None:
    generator = torch.Generator().manual_seed(2)
    points = torch.randn(5, 9, 2, generator=generator, dtype=torch.float64)
    counts = torch.tensor([9, 6, 3, 2, 1])
    mask = torch.arange(9)[None] < counts[:, None]
    index, valid = nearest_neighbours(points, mask, k=4)
    for b, count in enumerate(counts.tolist()):
        p = points[b].numpy()
        for i in range(count):
            others = sorted(
                (j for j in range(count) if j != i), key=lambda j: ((p[i] - p[j]) ** 2).sum()
            )
            expected = others[:4]
            got = index[b, i][valid[b, i]].tolist()
            assert got == expected
        assert not valid[b, count:].any()  # padded particles have no neighbours


def test_pair_features_equal_the_four_vector_definitions() -> None:
    generator = np.random.default_rng(7)
    eta = generator.normal(0, 0.4, 6)
    phi = generator.normal(0, 0.4, 6)
    pt = generator.uniform(1, 300, 6)
    # massless four-vectors; the reference reads only them
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    energy = np.sqrt(px**2 + py**2 + pz**2)
    got = pair_features(
        torch.tensor(eta)[None], torch.tensor(phi)[None], torch.tensor(np.log(pt))[None]
    )[0].numpy()
    for a in range(6):
        for b in range(6):
            if a == b:
                continue
            dr = np.hypot(eta[a] - eta[b], phi[a] - phi[b])
            m2 = (energy[a] + energy[b]) ** 2 - (
                (px[a] + px[b]) ** 2 + (py[a] + py[b]) ** 2 + (pz[a] + pz[b]) ** 2
            )
            expected = [
                np.log(min(pt[a], pt[b]) * dr),
                np.log(min(pt[a], pt[b]) / (pt[a] + pt[b])),
                np.log(dr),
                np.log(m2),
            ]
            np.testing.assert_allclose(got[a, b], expected, rtol=1e-8, atol=1e-8)


def test_pair_features_wrap_the_azimuth() -> None:
    eta = torch.zeros(1, 2, dtype=torch.float64)
    log_pt = torch.zeros(1, 2, dtype=torch.float64)
    near = pair_features(eta, torch.tensor([[3.1, -3.1]], dtype=torch.float64), log_pt)
    expected = np.log(2 * np.pi - 6.2)
    assert near[0, 0, 1, 2].item() == pytest.approx(expected, rel=1e-9)


def test_coincident_particles_give_finite_features_and_gradients() -> None:
    eta = torch.zeros(1, 3, dtype=torch.float64, requires_grad=True)
    phi = torch.zeros(1, 3, dtype=torch.float64, requires_grad=True)
    log_pt = torch.zeros(1, 3, dtype=torch.float64, requires_grad=True)
    features = pair_features(eta, phi, log_pt)
    assert torch.isfinite(features).all()
    features.sum().backward()
    assert all(torch.isfinite(t.grad).all() for t in (eta, phi, log_pt))


@pytest.fixture(scope="module")
def jets(top_dataset: Path) -> ak.Array:
    return data.read(top_dataset)[:10]


@pytest.mark.parametrize("name", ["particlenet", "part"])
@pytest.mark.parametrize("baseline", ["zero", "averaged"])
def test_integrated_gradients_never_give_nan(jets: ak.Array, name: str, baseline: str) -> None:
    spec = default_spec(name, ["mass", "tau32"], n_constituents=24)
    fit_standardisation(spec, raw_inputs(spec, jets))
    torch.manual_seed(1)
    model = build(spec).eval()
    inputs, additional = prepare_inputs(model, jets)
    if baseline == "zero":
        baselines = None  # every particle at the feature means: all pairs coincide (ΔR = 0)
    else:
        from jetxai.explain import AveragedBaseline

        baselines = AveragedBaseline(tuple(t.flip(0) for t in inputs))
    attributions, delta = integrated_gradients(
        model,
        inputs,
        baselines=baselines,
        additional_forward_args=additional,
        n_steps=8,
        return_convergence_delta=True,
    )
    assert all(torch.isfinite(a).all() for a in attributions)
    assert torch.isfinite(delta).all()
    mask = additional[0]
    assert torch.all(attributions[0][~mask] == 0)  # padded particles are never attributed


@pytest.mark.parametrize(
    ("name", "fields", "needed"),
    [("particlenet", ["log_pt", "dphi"], "deta"), ("part", ["deta", "dphi"], "log_pt")],
)
def test_missing_kinematic_features_are_named(name: str, fields: list[str], needed: str) -> None:
    spec = default_spec(name, [])
    spec.constituent_fields = fields
    with pytest.raises(InputError, match=f"add {needed}"):
        build(spec)
