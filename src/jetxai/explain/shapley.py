"""Exact interventional Shapley values of a tagger's XAUG (or any flat) input.

For d features of the explained input x, every coalition S ⊆ {1..d} is valued by the tagger's
expected output with the features outside S taken from the background jets b_k (weights w_k,
e.g. cross-section, as the averaged IG baseline draws them):

    v(S) = Σ_k w_k f(x_S, b_{k, S̄})

and feature j gets φ_j = Σ_{S ∌ j} |S|! (d − |S| − 1)! / d! · (v(S ∪ {j}) − v(S)). All 2^d
coalitions are evaluated (d ≤ :data:`MAX_FEATURES`), in batches of the model, so the values are
exact: they add up to f(x) − Σ_k w_k f(b_k) (efficiency), which the convergence delta reports.
Other inputs of a multi-input model (its constituents, say) are held at the explained jet's own
values; their attributions are zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from jetxai.errors import InputError
from jetxai.explain._common import METHODS, as_inputs, fixed_target, select, shaped
from jetxai.explain.baselines import AveragedBaseline

#: The most features whose 2^d coalitions are evaluated (65,536 per jet and background jet).
MAX_FEATURES = 16
#: Model rows per forward pass.
DEFAULT_BATCH = 65_536


def coalitions(d: int) -> torch.Tensor:
    """(2^d, d) boolean: coalition m holds feature j where bit j of m is set."""
    index = torch.arange(2**d).unsqueeze(1)
    return (index >> torch.arange(d)).bitwise_and(1).bool()


def shapley_weights(d: int) -> torch.Tensor:
    """(2^d, d) float64 C with φ = v @ C: C[m, j] = |S|! (d−|S|−1)! / d! with S = m ∖ {j} where
    m holds j, and −(that weight for S = m) where it does not."""
    masks = coalitions(d)
    size = masks.sum(dim=1)
    weight = torch.tensor(
        [math.factorial(s) * math.factorial(d - s - 1) / math.factorial(d) for s in range(d)],
        dtype=torch.float64,
    )
    inside = weight[(size - 1).clamp(min=0)].unsqueeze(1).expand(-1, d)
    outside = weight[size.clamp(max=d - 1)].unsqueeze(1).expand(-1, d)
    return torch.where(masks, inside, -outside)


@METHODS.register("shapley")
def shapley(
    model: torch.nn.Module,
    inputs: torch.Tensor | Sequence[torch.Tensor],
    target: int | torch.Tensor | None = None,
    baselines: AveragedBaseline | None = None,
    additional_forward_args: Sequence[torch.Tensor] | None = None,
    explained: int | None = None,
    batch_size: int = DEFAULT_BATCH,
    return_convergence_delta: bool = False,
    **_: Any,
) -> Any:
    """Exact Shapley values of input ``explained`` (default: the only one; for several, say
    which, e.g. the XAUG vector) against the background jets of ``baselines`` (an
    :class:`AveragedBaseline`: its samples of that input and its weights). Returns attributions
    shaped like the inputs (zero for the others)[, the efficiency delta f(x) − E_b f(b) − Σφ]."""
    tensors, single = as_inputs(inputs)
    if explained is None:
        if len(tensors) != 1:
            raise InputError("shapley: name the input whose features are explained (explained=)")
        explained = 0
    if not 0 <= explained < len(tensors):
        raise InputError(f"shapley: explained={explained} is not one of {len(tensors)} inputs")
    if not isinstance(baselines, AveragedBaseline):
        raise InputError("shapley needs background jets: an AveragedBaseline (--baseline averaged)")
    x = tensors[explained]
    if x.dim() != 2:
        raise InputError(f"shapley explains a flat input (jets, features), got {tuple(x.shape)}")
    d = x.shape[1]
    if not 1 <= d <= MAX_FEATURES:
        raise InputError(
            f"shapley: {d} features means 2^{d} coalitions; exact values are for at most "
            f"{MAX_FEATURES}"
        )
    background = baselines.as_tuple()[explained].to(device=x.device, dtype=x.dtype)
    weights = baselines.weights
    assert weights is not None
    weights = weights.to(device=x.device, dtype=torch.float64)
    extra = tuple(additional_forward_args or ())
    target = fixed_target(model, tensors, extra, target)
    masks = coalitions(d).to(x.device)
    values = torch.zeros(len(x), len(masks), dtype=torch.float64, device=x.device)
    k = len(background)
    per_jet = len(masks) * k
    with torch.no_grad():
        for i in range(len(x)):
            for start in range(0, per_jet, batch_size):
                rows = torch.arange(start, min(start + batch_size, per_jet), device=x.device)
                m, b = masks[rows // k], background[rows % k]
                points = torch.where(m, x[i].expand_as(b), b)
                given = [
                    points if j == explained else t[i : i + 1].expand(len(rows), *t.shape[1:])
                    for j, t in enumerate(tensors)
                ]
                fixed = [e[i : i + 1].expand(len(rows), *e.shape[1:]) for e in extra]
                rows_target = (
                    target if not isinstance(target, torch.Tensor) else target[i].expand(len(rows))
                )
                out = select(model(*given, *fixed), rows_target).double()
                values[i].index_add_(0, rows // k, out * weights[rows % k])
    phi = values @ shapley_weights(d).to(x.device)
    attributions = [torch.zeros_like(t) for t in tensors]
    attributions[explained] = phi.to(x.dtype)
    result = shaped(attributions, single)
    if not return_convergence_delta:
        return result
    delta = values[:, -1] - values[:, 0] - phi.sum(dim=1)  # full coalition − empty − Σφ
    return result, delta
