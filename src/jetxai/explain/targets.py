"""Which logit of a multi-class tagger an explanation is of: one class's, z_k, or the difference
of two, z_X − z_Y (what separates two classes, e.g. H → bb from H → cc).

Either way the explained network is a binary copy of the tagger whose one logit is that number:
its final layer folded to a single output (weights w_k and bias b_k, or w_X − w_Y and
b_X − b_Y). Every method, LRP rule and IG baseline then explains it exactly as it explains a
binary tagger, and relevances conserve that logit: for one class the same as starting LRP at
z_k, for a contrast LRP of the difference taken as the network's output.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from jetxai.errors import InputError
from jetxai.models.layers import Head
from jetxai.models.tagger import Tagger


@dataclass(frozen=True)
class Logit:
    """The logit explained: class ``positive``'s, or ``positive``'s minus ``negative``'s
    (indices into ``classes``)."""

    classes: tuple[str, ...]
    positive: int
    negative: int | None = None

    @property
    def name(self) -> str:
        """``top``, or ``top-vs-w`` for a contrast (the results' directory name)."""
        first = self.classes[self.positive]
        return first if self.negative is None else f"{first}-vs-{self.classes[self.negative]}"


def _index(classes: Sequence[str], given: str) -> int:
    """A class by name, or by its index in ``classes``."""
    if given in classes:
        return list(classes).index(given)
    if given.isdigit() and int(given) < len(classes):
        return int(given)
    raise InputError(f"unknown class {given!r}; this tagger's classes are {', '.join(classes)}")


def logits_to_explain(
    classes: Sequence[str], target: str | None = None, contrast: Sequence[str] | None = None
) -> list[Logit]:
    """The logits an explanation run covers: ``target`` (a class name or index), the
    ``contrast`` of two classes, or (neither given) every class's."""
    chosen = tuple(classes)
    if target is not None and contrast is not None:
        raise InputError("give a target class or a contrast of two, not both")
    if contrast is not None:
        if len(contrast) != 2:
            raise InputError(f"a contrast names two classes (X,Y), got {', '.join(contrast)}")
        positive, negative = (_index(classes, c) for c in contrast)
        if positive == negative:
            raise InputError(f"a contrast needs two different classes, got {contrast[0]} twice")
        return [Logit(chosen, positive, negative)]
    if target is not None:
        return [Logit(chosen, _index(classes, target))]
    return [Logit(chosen, k) for k in range(len(classes))]


def fold(model: Tagger, logit: Logit) -> Tagger:
    """A binary copy of the multi-class ``model`` whose one logit is ``logit``'s."""
    if list(logit.classes) != list(model.spec.classes):
        raise InputError("the logit chosen is of another tagger's classes")
    folded = copy.deepcopy(model)
    head = getattr(folded, "head", None)
    if not isinstance(head, Head) or not isinstance(head.dense[-1], nn.Linear):
        raise InputError(f"model {model.spec.name!r} has no jetxai Head to choose a logit in")
    last = head.dense[-1]
    weight, bias = last.weight.detach(), last.bias.detach()
    one = nn.Linear(last.in_features, 1).to(weight.device, weight.dtype)
    rows = [logit.positive] if logit.negative is None else [logit.positive, logit.negative]
    signs = torch.tensor([1.0, -1.0][: len(rows)], dtype=weight.dtype, device=weight.device)
    with torch.no_grad():
        one.weight.copy_(signs @ weight[rows])
        one.bias.copy_((signs @ bias[rows]).reshape(1))
    head.dense[-1] = one
    folded.spec = dataclasses.replace(model.spec, classes=[])
    return folded
