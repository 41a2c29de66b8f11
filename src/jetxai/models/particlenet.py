"""ParticleNet (Qu & Gouskos, arXiv:1902.08570): EdgeConv blocks on the jet's particle cloud.

Each block finds every particle's k nearest neighbours — in (Δη, Δφ) for the first block, in the
previous block's feature space after that — builds one edge per neighbour pair, passes the edge
through a shared MLP and averages over the neighbours, with a linear shortcut around it. The
cloud is then averaged over its particles and the final dense layers (with the optional XAUG
vector concatenated, like every jetxai low-level model) give the logit.

The edge is (x_i, x_j) rather than the paper's (x_i, x_j − x_i): the first edge layer is linear,
so W (x_i, x_j − x_i) = (W_a − W_b) x_i + W_b x_j spans the same functions, and written this way
the edge is built from the inputs by gathering alone, so LRP's first-layer rules apply to it.

Padded particles are never neighbours (their distance is infinite) and their outputs are zeroed;
a particle with fewer than k real neighbours averages over those it has.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.models.layers import Add, Head, MaskedMean, NeighbourMean, Tap, mlp
from jetxai.models.registry import register
from jetxai.models.spec import ModelSpec
from jetxai.models.tagger import Tagger, refuse_beyond_memory

#: The constituent features the first block's neighbours are found in.
COORDINATES = ("deta", "dphi")


def nearest_neighbours(
    points: torch.Tensor, mask: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(index, valid): the ``k`` nearest other real particles of every particle, shape (N, n, k),
    and whether each of those slots holds a real neighbour (jets with fewer than k + 1 particles
    have empty slots). Found without gradients: the graph is a constant of the forward pass."""
    with torch.no_grad():
        distance = torch.cdist(points, points).square()
        n = points.shape[1]
        position = torch.arange(n, device=points.device)  # (a boolean eye has no ONNX kernel)
        blocked = ~mask.unsqueeze(1) | (position.unsqueeze(1) == position.unsqueeze(0))
        distance = distance.masked_fill(blocked, float("inf"))
        k = min(k, max(n - 1, 1))
        nearest, index = distance.topk(k, dim=-1, largest=False)
        return index, torch.isfinite(nearest) & mask.unsqueeze(-1)


def gather_neighbours(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """(N, n, k, C): the features of each particle's neighbours."""
    n, k = index.shape[1], index.shape[2]
    flat = index.reshape(index.shape[0], n * k, 1).expand(-1, -1, x.shape[-1])
    return x.gather(1, flat).reshape(x.shape[0], n, k, x.shape[-1])


class EdgeConv(nn.Module):
    """One EdgeConv block: k-NN graph, shared edge MLP, neighbour mean, linear shortcut, ReLU."""

    def __init__(self, n_in: int, k: int, widths: Sequence[int]) -> None:
        super().__init__()
        self.k = k
        self.edges = Tap("edges")
        self.edge_mlp = mlp([2 * n_in, *widths])
        self.aggregate = NeighbourMean()
        self.shortcut = nn.Linear(n_in, widths[-1])
        self.add = Add()
        self.activation = nn.ReLU()

    def forward(self, x: torch.Tensor, points: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        index, valid = nearest_neighbours(points, mask, self.k)
        centre = x.unsqueeze(2).expand(-1, -1, index.shape[2], -1)
        edges = self.edges(torch.cat([centre, gather_neighbours(x, index)], dim=-1), index)
        out = self.add(self.aggregate(self.edge_mlp(edges), valid), self.shortcut(x))
        return self.activation(out) * mask.unsqueeze(-1).to(out.dtype)


@register("particlenet", "ParticleNet: EdgeConv on the particle cloud")
class ParticleNet(Tagger):
    """ParticleNet on constituent lists: EdgeConv blocks, particle mean, final dense layers.

    Options: ``k`` (neighbours per particle), ``widths`` (one block per entry, each an edge MLP
    of ``depth`` layers of that width), ``hidden`` (the final dense layers). The small defaults
    train on two cores; the paper's are k = 16, widths (64, 128, 256), hidden (256,).
    """

    representation = "constituents"
    coordinates: torch.Tensor

    def __init__(
        self,
        n_features: int,
        n_xaug: int = 0,
        coordinates: Sequence[int] = (0, 1),
        k: int = 8,
        widths: Sequence[int] = (32, 64),
        depth: int = 3,
        hidden: Sequence[int] = (64,),
    ) -> None:
        super().__init__(n_xaug)
        if len(coordinates) != 2 or not all(0 <= c < n_features for c in coordinates):
            raise InputError(f"particlenet: coordinates {list(coordinates)} are not input columns")
        self.register_buffer("coordinates", torch.tensor(list(coordinates)), persistent=False)
        blocks, previous = [], n_features
        for width in widths:
            blocks.append(EdgeConv(previous, k, [width] * depth))
            previous = width
        self.blocks = nn.ModuleList(blocks)
        self.pool = MaskedMean()
        self.head = Head(previous, n_xaug, hidden)

    @classmethod
    def check_options(cls, spec: ModelSpec, batch_size: int = 1) -> None:
        """k must leave each particle neighbours among the jet's constituents; the edge
        features kept for the backward pass must fit in memory."""
        options = cls.chosen_options(spec)
        k, n = options["k"], spec.n_constituents
        if not 1 <= k < n:
            raise InputError(
                f"particlenet: k = {k} neighbours cannot work on jets of at most {n} "
                f"constituents (n_constituents); choose 1 <= k < {n}"
            )
        previous, per_jet = len(spec.constituent_fields), n * n  # the distances
        for width in options["widths"]:
            per_jet += n * k * (2 * previous + options["depth"] * width)
            previous = width
        refuse_beyond_memory(
            "particlenet", 4.0 * batch_size * per_jet, f"the edge features of {n} constituents"
        )

    @classmethod
    def spec_options(cls, spec: ModelSpec) -> dict[str, object]:
        missing = [c for c in COORDINATES if c not in spec.constituent_fields]
        if missing:
            raise InputError(
                f"particlenet finds neighbours in (deta, dphi): add {', '.join(missing)} to the "
                "constituent features"
            )
        return {"coordinates": [spec.constituent_fields.index(c) for c in COORDINATES]}

    def forward(self, constituents: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        *xaug, mask = rest
        points = constituents.index_select(-1, self.coordinates)
        x = constituents
        for block in self.blocks:
            x = block(x, points, mask)
            points = x
        return self.head(self.pool(x, mask), *xaug)
