"""Every attribution method under one name and one call signature:
``attribute(model, inputs, method=..., target=None, baselines=None,
additional_forward_args=None, **options)``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from jetxai.errors import InputError
from jetxai.explain._common import METHODS
from jetxai.explain.lrp import lrp


@METHODS.register("lrp")
def _lrp(
    model: torch.nn.Module,
    inputs: Any,
    target: Any = None,
    baselines: Any = None,
    additional_forward_args: Any = None,
    **options: Any,
) -> Any:
    if baselines is not None:
        raise InputError("LRP takes no baselines")
    return lrp(
        model, inputs, target=target, additional_forward_args=additional_forward_args, **options
    )


def attribute(
    model: torch.nn.Module,
    inputs: torch.Tensor | Sequence[torch.Tensor],
    method: str = "ig",
    **options: Any,
) -> Any:
    """Attributions of ``model`` at ``inputs`` by the registered ``method``."""
    return METHODS[method](model, inputs, **options)
