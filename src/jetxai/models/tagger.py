"""The base class every tagger derives from (jetxai's own and users' registered ones)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from jetxai.models.spec import ModelSpec


class Tagger(nn.Module):
    """Base class: knows whether it takes XAUGs and how its inputs are split."""

    #: the low-level representation this tagger reads: "xaug", "images" or "constituents"
    representation = "xaug"
    #: set by :func:`jetxai.models.build`: everything needed to rebuild and feed the model
    spec: ModelSpec

    def __init__(self, n_xaug: int) -> None:
        super().__init__()
        self.n_xaug = n_xaug

    @classmethod
    def spec_options(cls, spec: ModelSpec) -> dict[str, object]:
        """Constructor options derived from the spec's inputs (which columns hold what, their
        standardisation) rather than chosen by the user; none by default."""
        return {}

    def split(self, args: Sequence[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """(inputs, additional_forward_args) of a positional argument list."""
        n_inputs = (self.representation != "xaug") + (self.n_xaug > 0)
        return list(args[:n_inputs]), list(args[n_inputs:])
