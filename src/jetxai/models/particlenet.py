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

The ``paper`` preset (:data:`PRESETS`) is the published network as weaver-core builds it
(``weaver.nn.model.ParticleNet`` with k = 16, EdgeConv widths (64, 64, 64), (128, 128, 128),
(256, 256, 256), fusion, input BatchNorm, counts, final layer (256,) with dropout 0.1): each edge
layer and the shortcut are a bias-free linear map with BatchNorm (:class:`~jetxai.models.layers.
ChannelNorm`), the particle features are batch-normalised first, the three blocks' outputs are
fused by a linear map with BatchNorm and ReLU before the mean, and the graph is weaver's
(``pad_neighbours``: padded slots 10⁹ away, chosen only when a jet has fewer than k + 1
particles, then counted in the neighbour mean with their zero features). weaver's weights map
onto it one to one (:func:`from_weaver_state`); the first edge layer's weight [W_a | W_b] on
(x_i, x_j − x_i) becomes [W_a − W_b | W_b] on (x_i, x_j).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.models.layers import (
    Add,
    ChannelNorm,
    Concat,
    Head,
    MaskedMean,
    NeighbourMean,
    Tap,
    mlp,
    normed_mlp,
)
from jetxai.models.registry import register
from jetxai.models.spec import ModelSpec
from jetxai.models.tagger import Tagger, refuse_beyond_memory

#: The constituent features the first block's neighbours are found in.
COORDINATES = ("deta", "dphi")
#: Where weaver moves padded particles before finding neighbours.
PAD_SHIFT = 1e9
#: Named option sets: ``paper``, the published network as weaver-core builds it.
PRESETS: dict[str, dict[str, object]] = {
    "paper": {
        "k": 16,
        "widths": [64, 128, 256],
        "depth": 3,
        "hidden": [256],
        "dropout": 0.1,
        "batch_norm": True,
        "fusion": True,
        "input_norm": True,
        "pad_neighbours": True,
    }
}


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


def padded_neighbours(
    points: torch.Tensor, mask: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """weaver's graph: (index, valid) of the ``k`` nearest other slots, by the squared distance
    computed as weaver computes it, with padded slots :data:`PAD_SHIFT` away (so they are
    neighbours only in jets of fewer than k + 1 particles); every slot counts (valid)."""
    with torch.no_grad():
        shifted = points.masked_fill(~mask.unsqueeze(-1), PAD_SHIFT)
        inner = -2 * torch.matmul(shifted, shifted.transpose(1, 2))
        squares = shifted.square().sum(dim=-1, keepdim=True)
        distance = (squares + inner + squares.transpose(1, 2)).clamp(min=0)
        index = distance.topk(k + 1, dim=-1, largest=False, sorted=True)[1][:, :, 1:]
        return index, torch.ones_like(index, dtype=torch.bool)


def gather_neighbours(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """(N, n, k, C): the features of each particle's neighbours."""
    n, k = index.shape[1], index.shape[2]
    flat = index.reshape(index.shape[0], n * k, 1).expand(-1, -1, x.shape[-1])
    return x.gather(1, flat).reshape(x.shape[0], n, k, x.shape[-1])


class EdgeConv(nn.Module):
    """One EdgeConv block: k-NN graph, shared edge MLP, neighbour mean, linear shortcut, ReLU."""

    def __init__(
        self,
        n_in: int,
        k: int,
        widths: Sequence[int],
        batch_norm: bool = False,
        pad_neighbours: bool = False,
    ) -> None:
        super().__init__()
        self.k = k
        self.edges = Tap("edges")
        self.shortcut: nn.Module
        if batch_norm:  # weaver's: bias-free layers with BatchNorm, identity shortcut if it can
            self.edge_mlp = normed_mlp([2 * n_in, *widths])
            self.shortcut = nn.Identity()
            if n_in != widths[-1]:
                self.shortcut = nn.Sequential(
                    nn.Linear(n_in, widths[-1], bias=False), ChannelNorm(widths[-1])
                )
        else:
            self.edge_mlp = mlp([2 * n_in, *widths])
            self.shortcut = nn.Linear(n_in, widths[-1])
        self.neighbours = padded_neighbours if pad_neighbours else nearest_neighbours
        self.aggregate = NeighbourMean()
        self.add = Add()
        self.activation = nn.ReLU()

    def forward(self, x: torch.Tensor, points: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        index, valid = self.neighbours(points, mask, self.k)
        centre = x.unsqueeze(2).expand(-1, -1, index.shape[2], -1)
        edges = self.edges(torch.cat([centre, gather_neighbours(x, index)], dim=-1), index)
        out = self.add(self.aggregate(self.edge_mlp(edges), valid), self.shortcut(x))
        return self.activation(out) * mask.unsqueeze(-1).to(out.dtype)


@register("particlenet", "ParticleNet: EdgeConv on the particle cloud")
class ParticleNet(Tagger):
    """ParticleNet on constituent lists: EdgeConv blocks, particle mean, final dense layers.

    Options: ``k`` (neighbours per particle), ``widths`` (one block per entry, each an edge MLP
    of ``depth`` layers of that width), ``hidden`` (the final dense layers) and ``dropout``
    after them; ``batch_norm``, ``fusion``, ``input_norm`` and ``pad_neighbours`` switch on
    weaver's BatchNorms, fusion block, input BatchNorm and graph. The small defaults train on
    two cores ("ParticleNet-like (small)"); ``preset="paper"`` is the published network.
    """

    small_label = "ParticleNet-like (small)"
    piecewise_linear = "its nearest neighbours, chosen from the coordinates, jump along the path"

    presets = PRESETS

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
        dropout: float = 0.0,
        batch_norm: bool = False,
        fusion: bool = False,
        input_norm: bool = False,
        pad_neighbours: bool = False,
    ) -> None:
        super().__init__(n_xaug)
        if len(coordinates) != 2 or not all(0 <= c < n_features for c in coordinates):
            raise InputError(f"particlenet: coordinates {list(coordinates)} are not input columns")
        self.register_buffer("coordinates", torch.tensor(list(coordinates)), persistent=False)
        self.input_norm = ChannelNorm(n_features) if input_norm else None
        blocks, previous = [], n_features
        for width in widths:
            blocks.append(EdgeConv(previous, k, [width] * depth, batch_norm, pad_neighbours))
            previous = width
        self.blocks = nn.ModuleList(blocks)
        self.fusion: nn.Module | None = None
        if fusion:  # weaver's width: the blocks' widths summed, in multiples of 128, ≤ 1024
            fused = int(min(max(sum(widths) // 128 * 128, 128), 1024))
            self.concat = Concat()
            self.fusion = nn.Sequential(
                nn.Linear(sum(widths), fused, bias=False), ChannelNorm(fused), nn.ReLU()
            )
            previous = fused
        self.pool = MaskedMean()
        self.head = Head(previous, n_xaug, hidden, dropout)

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
        real = mask.unsqueeze(-1).to(constituents.dtype)
        points = constituents.index_select(-1, self.coordinates)
        x = constituents if self.input_norm is None else self.input_norm(constituents) * real
        outputs = []
        for block in self.blocks:
            x = block(x, points, mask)
            points = x
            outputs.append(x)
        if self.fusion is not None:
            x = self.fusion(self.concat(*outputs)) * real
        return self.head(self.pool(x, mask), *xaug)


def from_weaver_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """jetxai's state dict of the ``paper`` ParticleNet from weaver-core's ``ParticleNet`` state
    dict (keys as weaver names them, without a wrapper's ``mod.`` prefix): the 1×1
    convolutions' weights as Linear weights, the BatchNorms as they are, the first edge layer's
    [W_a | W_b] on (x_i, x_j − x_i) as [W_a − W_b | W_b] on (x_i, x_j)."""
    out: dict[str, torch.Tensor] = {}

    def norm(source: str, target: str) -> None:
        for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
            out[f"{target}.{name}"] = state[f"{source}.{name}"]

    norm("bn_fts", "input_norm")
    blocks = sorted({int(k.split(".")[1]) for k in state if k.startswith("edge_convs.")})
    for b in blocks:
        layers = sorted(
            {int(k.split(".")[3]) for k in state if k.startswith(f"edge_convs.{b}.convs.")}
        )
        for j in layers:
            weight = state[f"edge_convs.{b}.convs.{j}.weight"][:, :, 0, 0]
            if j == 0:
                half = weight.shape[1] // 2
                centre, difference = weight[:, :half], weight[:, half:]
                weight = torch.cat([centre - difference, difference], dim=1)
            out[f"blocks.{b}.edge_mlp.{3 * j}.weight"] = weight
            norm(f"edge_convs.{b}.bns.{j}", f"blocks.{b}.edge_mlp.{3 * j + 1}")
        if f"edge_convs.{b}.sc.weight" in state:
            out[f"blocks.{b}.shortcut.0.weight"] = state[f"edge_convs.{b}.sc.weight"][:, :, 0]
            norm(f"edge_convs.{b}.sc_bn", f"blocks.{b}.shortcut.1")
    out["fusion.0.weight"] = state["fusion_block.0.weight"][:, :, 0]
    norm("fusion_block.1", "fusion.1")
    dense = sorted({int(k.split(".")[1]) for k in state if k.startswith("fc.")})
    for position, i in enumerate(dense):
        source = f"fc.{i}.0" if f"fc.{i}.0.weight" in state else f"fc.{i}"
        target = f"head.dense.{3 * position}"  # Linear, ReLU, Dropout per hidden layer
        out[f"{target}.weight"], out[f"{target}.bias"] = (
            state[f"{source}.weight"],
            state[f"{source}.bias"],
        )
    return out
