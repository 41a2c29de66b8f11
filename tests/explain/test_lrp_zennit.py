"""Equality with Zennit where it implements the same rule on the same layers.

Runs only in the optional benchmark environment that has zennit (see BENCHMARKS.md); skipped
elsewhere, since zennit needs torchvision, which does not import beside the CPU torch build.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from jetxai.explain import lrp
from jetxai.explain.lrp import Composite
from jetxai.explain.lrp import rules as ours

zennit_attribution = pytest.importorskip("zennit.attribution")
zennit_composites = pytest.importorskip("zennit.composites")
zennit_rules = pytest.importorskip("zennit.rules")

# Zennit's z+ and alpha-beta split the bias by sign where jetxai's ignore it, so they are the same
# rule on bias-free layers; Zennit's Gamma is a sign-generalised variant (it favours negative
# contributions for negative outputs), not the gamma rule of Montavon et al., so it is not compared.
CASES = [
    ("epsilon", lambda: zennit_rules.Epsilon(epsilon=1e-3), ours.Epsilon(1e-3), True),
    ("zplus", lambda: zennit_rules.ZPlus(stabilizer=1e-6), ours.ZPlus(epsilon=1e-6), False),
    (
        "alpha2_beta1",
        lambda: zennit_rules.AlphaBeta(alpha=2.0, beta=1.0, stabilizer=1e-6),
        ours.AlphaBeta(2.0, 1.0, epsilon=1e-6),
        False,
    ),
]


@pytest.mark.parametrize(("name", "theirs", "mine", "bias"), CASES, ids=[c[0] for c in CASES])
def test_same_rule_same_relevance(name: str, theirs, mine, bias: bool) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    model = (
        nn.Sequential(
            nn.Linear(6, 16, bias=bias),
            nn.ReLU(),
            nn.Linear(16, 8, bias=bias),
            nn.ReLU(),
            nn.Linear(8, 1, bias=bias),
            nn.Flatten(0),
        )
        .double()
        .eval()
    )
    x = torch.randn(32, 6, dtype=torch.float64)
    composite = zennit_composites.LayerMapComposite(
        [(nn.Linear, theirs()), (nn.ReLU, zennit_rules.Pass())]
    )
    with zennit_attribution.Gradient(model=model, composite=composite) as attributor:
        _, reference = attributor(x, lambda out: out)
    relevance = lrp(model, x, composite=Composite({nn.Linear: mine}))
    scale = float(reference.abs().max())
    torch.testing.assert_close(relevance, reference, rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize(
    "target",
    [2, torch.tensor(2), torch.tensor([0, 2, 1, 2, 0, 1, 1, 0])],
    ids=["int", "0-d", "per-example"],
)
def test_targets_equal_zennit(target) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(5, 12), nn.ReLU(), nn.Linear(12, 3)).double().eval()
    x = torch.randn(8, 5, dtype=torch.float64)
    composite = zennit_composites.LayerMapComposite(
        [(nn.Linear, zennit_rules.Epsilon(epsilon=1e-6)), (nn.ReLU, zennit_rules.Pass())]
    )
    classes = torch.as_tensor(target).expand(8) if torch.as_tensor(target).dim() == 0 else target
    one_hot = torch.eye(3, dtype=torch.float64)[classes]
    with zennit_attribution.Gradient(model=model, composite=composite) as attributor:
        _, reference = attributor(x, lambda out: out * one_hot)  # relevance = the logit
    relevance = lrp(model, x, target=target, epsilon=1e-6)
    torch.testing.assert_close(relevance, reference, rtol=1e-6, atol=1e-9)
