"""The base class every tagger derives from (jetxai's own and users' registered ones)."""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import nn

from jetxai.models.spec import ModelSpec


class Tagger(nn.Module):
    """Base class: knows whether it takes XAUGs and how its inputs are split."""

    #: the low-level representation this tagger reads: "xaug", "images" or "constituents"
    representation = "xaug"
    #: set by :func:`jetxai.models.build`: everything needed to rebuild and feed the model
    spec: ModelSpec
    #: True where the tagger is piecewise linear in its inputs (affine layers, ReLUs, max
    #: pooling: exact Integrated Gradients, ``n_steps="exact"``), else why not
    piecewise_linear: ClassVar[bool | str] = "its layers are not declared piecewise linear"
    #: what a report calls the architecture its defaults build, where that is not the published
    #: network (None: the registered name says it)
    small_label: ClassVar[str | None] = None
    #: named option sets (``preset="paper"``: the published architecture), by name
    presets: ClassVar[dict[str, dict[str, object]]] = {}

    def __init__(self, n_xaug: int) -> None:
        super().__init__()
        self.n_xaug = n_xaug

    @classmethod
    def spec_options(cls, spec: ModelSpec) -> dict[str, object]:
        """Constructor options derived from the spec's inputs (which columns hold what, their
        standardisation) rather than chosen by the user; none by default."""
        return {}

    @classmethod
    def chosen_options(cls, spec: ModelSpec) -> dict[str, Any]:
        """The constructor's options as ``spec`` builds the tagger: its defaults, then the
        spec's own."""
        parameters = inspect.signature(cls.__init__).parameters.values()
        defaults = {p.name: p.default for p in parameters if p.default is not p.empty}
        return defaults | dict(spec.options)

    @classmethod
    def check_options(cls, spec: ModelSpec, batch_size: int = 1) -> None:
        """Refuse, in one line and before anything is allocated, options that cannot build or
        run this tagger on the spec's inputs in batches of ``batch_size``: sizes that do not
        fit together, or that would need more memory than the machine has. None by default."""

    def exportable(self) -> nn.Module:
        """The module an exporter (ONNX) traces: this tagger, or a module computing the same
        function from operations exporters know."""
        return self

    def split(self, args: Sequence[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """(inputs, additional_forward_args) of a positional argument list."""
        n_inputs = (self.representation != "xaug") + (self.n_xaug > 0)
        return list(args[:n_inputs]), list(args[n_inputs:])


def machine_memory() -> int:
    """Bytes of physical memory of this machine."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def refuse_beyond_memory(name: str, needed: float, what: str) -> None:
    """Refuse model ``name`` where one batch's ``what`` alone needs ``needed`` bytes, more than
    the machine's memory."""
    from jetxai.errors import InputError

    have = machine_memory()
    if needed > have:
        raise InputError(
            f"{name}: {what} would need {needed / 2**30:,.0f} GiB for one batch, more than this "
            f"machine's {have / 2**30:,.0f} GiB; choose smaller sizes, fewer constituents or a "
            "smaller batch"
        )
