"""The LRP engine: hooks that route relevance, one backward pass, relevances shaped like inputs.

Input layers are found by data flow: a weighted (or recurrent) layer whose input is derived from
the explained inputs by concatenation, slicing, indexing, reshaping or packing only is the first
layer of those inputs, and the composite's first-layer rule applies there; its relevance is
carried back through those operations to the inputs. Where a dense layer reads the inputs
concatenated with other activations (the XAUGs beside a network's latent vector), the rule
applies to the inputs' block of that layer (:meth:`~jetxai.explain.lrp.rules.Rule.split`).

Coverage is checked before anything runs: every leaf module must be of a covered type, and the
first one that is not is named (qualified name and type). Operations written inside a module's
``forward`` cannot be seen that way, so after running, the conservation of the rule chain is
measured with the ε-rule (and the conservative softmax rule) on a float64 copy of the model with
its biases set to 0, where every covered operation conserves relevance exactly (up to round-off
and ε): whatever leaks there is an operation the engine does not see, whichever composite was
asked for (a rule such as αβ, or AttnLRP's softmax rule, may lose relevance by design; that is
not what the check is about). A :class:`ConservationWarning` reports the error
when it exceeds :data:`CONSERVATION_TOLERANCE`.

Every change to the model is a hook with a handle, removed when :class:`LRPHooks` exits (a
``with`` block), together with the canonizers: the model's outputs are unchanged afterwards.

Layer coverage: Linear, Conv1d/2d (rules), BatchNorm (folded into the previous layer, else ε),
ReLU / other element-wise activations (relevance passes through), max pooling (winner takes
all) and average pooling, flatten, dropout in eval mode, the masked-sum set pooling and
concatenation (relevance follows each summand / each branch), the EFN's pT-weighted sum (weights
are gates: relevance goes to Φ), and LSTM / GRU (:mod:`.recurrent`).

Attention and graph layers (ParT, ParticleNet and models built of the same blocks) follow
AttnLRP (Achtibat et al., ICML 2024, arXiv:2402.05602):
- a product of two activations (:class:`~jetxai.models.layers.MatMul`: q·kᵀ, softmax·v) gives
  each factor half the relevance (the uniform rule; all of it when only one factor depends on
  the inputs);
- softmax: ``softmax="attnlrp"`` (default) is the paper's rule R_i = x_i (R_i − s_i Σ_j R_j),
  whose own bias term absorbs relevance; ``softmax="identity"`` passes each output's relevance
  to its logit unchanged, which conserves relevance; ``softmax="cp"`` holds the attention
  weights constant (CP-LRP, Ali et al., ICML 2022), so all relevance takes the value path and
  the logits (and ParT's interaction bias) receive none — conservative too;
- LayerNorm: the division by the standard deviation is a constant (the paper's identity rule on
  the normalisation), the centring and γ are linear, β is a bias;
- sums of branches (:class:`~jetxai.models.layers.Add`: residuals, logits + interaction bias)
  split relevance in proportion to each branch's value (the ε-rule);
- the class token is a learned constant input: its relevance is a share of its own (a source
  tap, below);
- EdgeConv: the k-NN graph is a constant of the forward pass, gathering neighbours is structural
  (relevance returns to each neighbour), and the neighbour mean / max pooling are linear /
  winner-takes-all.
A :class:`~jetxai.models.layers.Tap` marks a tensor whose relevance is reported: the edges of an
EdgeConv, laid out per particle pair, and ParT's pairwise interaction features and class token —
*source* taps: relevance stops there and is a share of the output of its own
(:func:`lrp_decomposition`).
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from jetxai.errors import InputError
from jetxai.explain._common import check_target, select, shaped
from jetxai.explain.lrp import recurrent, weaver
from jetxai.explain.lrp.canonizers import BatchNormFolding, ExplicitAttention, check_attention
from jetxai.explain.lrp.composites import Composite, build_composite
from jetxai.explain.lrp.layer_rules import LAYER_RULES, rule_of
from jetxai.models.layers import Concat

#: Largest conservation error of the rule chain, |f₀ − ΣR₀| / mean |f₀| on the bias-free model
#: (probed in float64), that passes without a warning. Covered models give 1e-15 to 1e-7 (ParT,
#: where large contributions of both signs meet); the leaks of uncovered operations (inline
#: products, softmax, normalisations, GELU) are of order one.
CONSERVATION_TOLERANCE = 1e-2
#: Examples the conservation probe uses.
PROBE_EXAMPLES = 64
#: ε of the probe: z / (z + ε·sign z) never exceeds 1, so a tiny ε is stable and absorbs nothing
#: measurable.
PROBE_EPSILON = 1e-12
#: Autograd nodes that only move, copy or select values: a layer reading a tensor made by these
#: from the inputs is an input layer.
_STRUCTURAL = {
    "AccumulateGrad",
    "AliasBackward",
    "CatBackward",
    "CloneBackward",
    "CopySlices",
    "ExpandBackward",
    "GatherBackward",
    "IndexBackward",
    "IndexSelectBackward",
    "NarrowBackward",
    "PackPaddedSequenceBackward",
    "PermuteBackward",
    "ReshapeAliasBackward",
    "SelectBackward",
    "SliceBackward",
    "SplitBackward",
    "SplitWithSizesBackward",
    "SqueezeBackward",
    "StackBackward",
    "TBackward",
    "ToCopyBackward",
    "TransposeBackward",
    "UnbindBackward",
    "UnsafeViewBackward",
    "UnsqueezeBackward",
    "ViewBackward",
}


class ConservationWarning(UserWarning):
    """LRP relevance is not conserved through the model: some operation is not covered."""


class CancellationWarning(UserWarning):
    """A sum's branches cancel: the ε-rule hands them relevances much larger than the sum's."""


#: The amplification Σ_i |R_i| / |R| of a sum's relevance into its branches above which LRP
#: warns. The ε-rule gives branch i the share z_i / z of the sum's relevance, so the factor is
#: Σ_i |z_i| / |z| weighted by where the relevance is. At 10 the branches are an order of
#: magnitude larger than their sum: the relevance leaving the layer is mostly two opposite
#: parts whose difference is what the network computed, and a small change of either flips
#: the sign of what the inputs receive. Untrained ParT and ParticleNet taggers measure
#: 1.0–1.6 at every sum (attention bias, residuals, shortcuts).
CANCELLATION_THRESHOLD = 10.0


def check_coverage(model: nn.Module) -> None:
    """Raise :class:`InputError` naming the first module LRP does not cover: a leaf module, or
    one with parameters of its own (such as ``MultiheadAttention``), of an uncovered type."""
    for name, module in model.named_modules():
        if weaver.covered(module):  # weaver-core's taggers (explain/lrp/weaver.py)
            weaver.check(module, name)
            continue
        owns = any(True for _ in module.parameters(recurse=False))
        if any(True for _ in module.children()) and not owns:
            continue
        if rule_of(LAYER_RULES, module) is None:
            raise InputError(
                f"LRP does not cover module {name or '<model>'!r} ({type(module).__name__}); "
                "covered: Linear, Conv1d/2d, LSTM, GRU, BatchNorm, LayerNorm, Softmax, "
                "element-wise activations, pooling, Flatten, Dropout and jetxai's layers (set "
                "pooling, concatenation, Add, MatMul, Tap, ClassToken: jetxai.models.layers); an "
                "element-wise module of your own: jetxai.explain.lrp.register_elementwise"
            )
        if isinstance(module, nn.LSTM | nn.GRU):
            recurrent.check(module, name)
        if isinstance(module, nn.MultiheadAttention):
            check_attention(module, name)


@dataclass
class TapRecord:
    """A tapped tensor: its qualified module name, the tensor whose ``x ⊙ ∂f/∂x`` is its
    relevance, and the optional (N, n, k) partner index of its entries."""

    name: str
    x: torch.Tensor
    source: bool
    index: torch.Tensor | None = None


@dataclass
class InputLayer:
    """A first layer found by data flow: the tensor it reads (derived from the inputs by
    structural operations only) and the auxiliary tensors of its first-layer rule."""

    x: torch.Tensor
    aux: list[torch.Tensor] = field(default_factory=list)


def _structural_origin(x: torch.Tensor, leaves: Sequence[torch.Tensor]) -> bool:
    """Whether ``x`` is derived from ``leaves`` by structural operations only (and from at
    least one of them)."""
    ids = {id(leaf) for leaf in leaves}
    if id(x) in ids:
        return True
    if x.grad_fn is None:
        return False
    reached = False
    stack = [x.grad_fn]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if type(node).__name__.rstrip("0123456789") not in _STRUCTURAL:
            return False
        if hasattr(node, "variable"):
            if id(node.variable) not in ids:
                return False
            reached = True
            continue
        stack.extend(f for f, _ in node.next_functions if f is not None)
    return reached


class LRPHooks:
    """Context manager installing the composite's rules on ``model`` for one explanation.

    ``leaves`` are the input tensors being explained; a weighted layer whose input is derived
    from them by structural operations only is an input layer (see the module docs); the
    first-layer rule applied there records an :class:`InputLayer` in ``input_layers``.
    """

    def __init__(
        self,
        model: nn.Module,
        composite: Composite,
        leaves: Sequence[torch.Tensor],
        internal: bool = True,
    ) -> None:
        self.model = model
        self.composite = composite
        self.leaves = list(leaves)
        #: record non-source taps (intermediate relevance); source taps are always recorded
        self.internal = internal
        self.input_layers: list[InputLayer] = []
        #: concatenations of the explained inputs with other activations: output → the columns
        #: that come from the inputs alone (kept with the tensor, so an id is never reused)
        self.mixed: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        #: per sum (qualified name): [Σ |R| · Σ_i |z_i| / |z|, Σ |R|] over the batch
        self.cancellation: dict[str, list[float]] = {}
        self.taps: list[TapRecord] = []
        self.names = {id(m): name for name, m in model.named_modules()}
        self.canonizer = BatchNormFolding()
        self.attention = ExplicitAttention()
        self.weaver = weaver.WeaverCanonizer()
        self.handles: list[RemovableHandle] = []

    def __enter__(self) -> LRPHooks:
        if self.model.training:
            raise ValueError("explain a model in eval mode (model.eval())")
        self.canonizer.apply(self.model)
        self.attention.apply(self.model)
        self.weaver.apply(self.model)
        try:
            self._install()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()
        self.mixed.clear()
        self.weaver.remove()
        self.attention.remove()
        self.canonizer.remove()

    def reads_inputs(self, x: torch.Tensor) -> bool:
        """Whether a layer reading ``x`` is an input layer."""
        return _structural_origin(x, self.leaves)

    def input_columns(self, x: torch.Tensor) -> torch.Tensor | None:
        """The columns of ``x`` that are explained inputs, where ``x`` concatenates them with
        other activations (None: it does not)."""
        found = self.mixed.get(id(x))
        return found[1] if found is not None and found[0] is x else None

    def _concatenated(self, module: nn.Module, parts: tuple[Any, ...], out: torch.Tensor) -> None:
        """Note which columns of a :class:`~jetxai.models.layers.Concat`'s output come from the
        explained inputs by structural operations, where others do not."""
        reads = [self.reads_inputs(part) for part in parts]
        if any(reads) and not all(reads):
            widths = torch.tensor([part.shape[-1] for part in parts])
            starts = torch.cumsum(widths, 0) - widths
            columns = torch.cat([
                torch.arange(int(start), int(start + width))
                for start, width, read in zip(starts, widths, reads, strict=True) if read
            ])  # fmt: skip
            self.mixed[id(out)] = (out, columns.to(out.device))

    def watch_cancellation(
        self, module: nn.Module, branches: tuple[Any, ...], routed: torch.Tensor
    ) -> None:
        """Measure, as the relevance passes back through the sum ``routed`` of ``branches``,
        how much larger the branches' relevances are than the sum's (its amplification)."""
        if not routed.requires_grad:
            return
        value = routed.detach()
        spread = sum(b.detach().abs() for b in branches if isinstance(b, torch.Tensor))
        spread = spread / (value.abs() + self.composite.epsilon)
        totals = self.cancellation.setdefault(self.names.get(id(module), "sum"), [0.0, 0.0])

        def measure(grad: torch.Tensor) -> None:
            relevance = (value * grad).abs()
            totals[0] += float((relevance * spread).sum())
            totals[1] += float(relevance.sum())

        routed.register_hook(measure)

    def amplification(self) -> dict[str, float]:
        """Per sum, the relevance-weighted amplification Σ_i |R_i| / |R| measured so far."""
        return {name: a / r for name, (a, r) in self.cancellation.items() if r > 0}

    def record(self, x: torch.Tensor, aux: list[torch.Tensor]) -> None:
        """Keep a first-layer rule's auxiliaries (``x``-shaped) for the input relevance."""
        if aux:
            self.input_layers.append(InputLayer(x, aux))

    def folded(self, module: nn.Module) -> bool:
        """Whether ``module`` (a BatchNorm) is folded into the layer before it."""
        return module in self.canonizer.folded

    def tap(self, module: nn.Module, args: tuple[Any, ...], output: torch.Tensor) -> Any:
        """Record a :class:`~jetxai.models.layers.Tap`'s tensor; a source tap's relevance stops
        there (a fresh leaf), so it is a share of its own."""
        index = args[1] if len(args) > 1 else None
        name = self.names.get(id(module), getattr(module, "name", ""))
        if module.source:
            leaf = output.detach().requires_grad_(True)
            self.taps.append(TapRecord(name, leaf, True, index))
            return leaf
        if self.internal:
            self.taps.append(TapRecord(name, output, False, index))
        return None

    def _install(self) -> None:
        """A forward hook on every module whose rule needs one."""
        table = self.composite.rules()
        for name, module in self.model.named_modules():
            if isinstance(module, Concat) and self.composite.first_layer is not None:
                self.handles.append(module.register_forward_hook(self._concatenated))
            rule = self.composite.rule_for(module, name, table)
            if rule is not None and rule.hooked:
                hook = functools.partial(rule.hook, hooks=self)
                self.handles.append(module.register_forward_hook(hook))


@contextmanager
def _without_biases(model: nn.Module) -> Iterator[None]:
    """Biases (``bias*`` and ``*bias``, as in ``in_proj_bias``), BatchNorm shifts and running
    means set to 0 for the duration (restored exactly)."""
    saved: list[tuple[torch.Tensor, torch.Tensor]] = []
    for module in model.modules():
        for name, tensor in [
            *module.named_parameters(recurse=False),
            *module.named_buffers(recurse=False),
        ]:
            if name.startswith("bias") or name.endswith("bias") or name == "running_mean":
                saved.append((tensor, tensor.detach().clone()))
    try:
        with torch.no_grad():
            for tensor, _ in saved:
                tensor.zero_()
        yield
    finally:
        with torch.no_grad():
            for tensor, value in saved:
                tensor.copy_(value)


@dataclass
class Decomposition:
    """The LRP decomposition of a batch of outputs.

    Attributes:
        inputs: relevance per explained input, shaped like the inputs.
        internal: relevance at each tapped tensor, by qualified module name, summed over its
            feature axis; a tap with a partner index (EdgeConv edges) and a square pair tensor
            (ParT's interaction features) are laid out per particle pair, (N, n, n): entry
            [b, i, j] is the relevance of the pair (i, j) of jet b.
        sources: the names in ``internal`` that are shares of their own (source taps): their
            relevance is not part of the inputs'.
        output: the explained output f(x) per example.
        amplification: per sum of branches, Σ_i |R_i| / |R| over the batch (1: the branches
            agree in sign; large: they cancel, see :data:`CANCELLATION_THRESHOLD`).
    """

    inputs: tuple[torch.Tensor, ...]
    internal: dict[str, torch.Tensor]
    sources: tuple[str, ...]
    output: torch.Tensor
    #: per sum of branches (qualified name), Σ_i |R_i| / |R|: how far its branches cancel
    amplification: dict[str, float] = field(default_factory=dict)

    def totals(self) -> dict[str, torch.Tensor]:
        """Σ relevance per example of each input (``input0``, ``input1``, …) and source."""
        out = {f"input{i}": r.reshape(len(r), -1).sum(dim=1) for i, r in enumerate(self.inputs)}
        for name in self.sources:
            relevance = self.internal[name]
            out[name] = relevance.reshape(len(relevance), -1).sum(dim=1)
        return out

    @property
    def delta(self) -> torch.Tensor:
        """f(x) − Σ relevance (inputs and sources) per example: what biases and stabilisers
        absorbed."""
        return self.output - sum(self.totals().values())


def _pairwise(record: TapRecord, relevance: torch.Tensor) -> torch.Tensor:
    """A tap's relevance summed over features, laid out per particle pair where it has pairs."""
    summed = relevance.sum(dim=-1)
    if record.index is None:
        return summed
    n = summed.shape[1]
    pairs = summed.new_zeros(summed.shape[0], n, n)
    return pairs.scatter_add_(2, record.index.to(summed.device), summed)


def _propagate(
    model: nn.Module,
    tensors: Sequence[torch.Tensor],
    extra: tuple[Any, ...],
    target: Any,
    composite: Composite,
    internal: bool = True,
) -> Decomposition:
    """The decomposition of one batch (intermediate taps only with ``internal``)."""
    leaves = [t.detach().clone().requires_grad_(True) for t in tensors]
    with torch.enable_grad(), LRPHooks(model, composite, leaves, internal) as hooks:
        explained = select(model(*leaves, *extra), target)
        layers = hooks.input_layers
        taps = hooks.taps
        # gradients of the inputs (and first-layer auxiliaries, taps) only: no parameter gradients
        aux = [a for layer in layers for a in layer.aux]
        wanted = [*leaves, *aux, *(tap.x for tap in taps)]
        grads = torch.autograd.grad(
            explained.sum(), wanted, allow_unused=True, retain_graph=bool(layers)
        )
        relevance = [
            leaf * g if g is not None else torch.zeros_like(leaf)
            for leaf, g in zip(leaves, grads[: len(leaves)], strict=True)
        ]
        by_aux = dict(zip(map(id, aux), grads[len(leaves) : len(leaves) + len(aux)], strict=True))
        tapped: dict[str, torch.Tensor] = {}
        for tap, g in zip(taps, grads[len(leaves) + len(aux) :], strict=True):
            at_tap = tap.x * g if g is not None else torch.zeros_like(tap.x)
            tapped[tap.name] = _pairwise(tap, at_tap.detach())
        for layer in layers:
            parts = [a * g for a in layer.aux if (g := by_aux[id(a)]) is not None]
            if not parts:
                continue
            layer_relevance = torch.stack(parts).sum(dim=0)
            # carry the layer's input relevance back through the structural operations
            carried = torch.autograd.grad(
                layer.x, leaves, grad_outputs=layer_relevance, allow_unused=True, retain_graph=True
            )
            relevance = [r if c is None else r + c for r, c in zip(relevance, carried, strict=True)]
    sources = tuple(dict.fromkeys(tap.name for tap in taps if tap.source))
    return Decomposition(
        tuple(r.detach() for r in relevance), tapped, sources, explained.detach(),
        hooks.amplification(),
    )  # fmt: skip


#: The conservative softmax rules; the probe checks the one explained with, else identity.
CONSERVATIVE_SOFTMAX = ("identity", "cp")


def _check_conservation(
    model: nn.Module,
    tensors: Sequence[torch.Tensor],
    extra: tuple[Any, ...],
    target: Any,
    softmax: str = "identity",
) -> float:
    """|f₀ − ΣR₀| / mean |f₀| of ε-LRP (conservative softmax: ``softmax`` where it is one of
    :data:`CONSERVATIVE_SOFTMAX`, else identity) on a float64 copy of the model with its biases
    set to 0, over up to :data:`PROBE_EXAMPLES` examples; ΣR₀ counts the source taps' shares.
    (The rules differ where attention weights are constant: a zero class token gives the class
    attention a zero query, and the identity rule's share for the weights is then absorbed
    while CP, holding them constant, conserves.)"""
    rows = slice(0, PROBE_EXAMPLES)
    probe_target = target[rows] if isinstance(target, torch.Tensor) else target
    # in float64, on a copy: float32 round-off in deep attention stacks (sums of large
    # contributions of both signs) would otherwise pass for a leak
    probe = copy.deepcopy(model).double()

    def rows_of(t: Any) -> Any:
        if not isinstance(t, torch.Tensor):
            return t
        return t[rows].double() if t.is_floating_point() else t[rows]

    with _without_biases(probe):
        decomposition = _propagate(
            probe,
            [rows_of(t) for t in tensors],
            tuple(rows_of(e) for e in extra),
            probe_target,
            build_composite(
                "epsilon",
                epsilon=PROBE_EPSILON,
                softmax=softmax if softmax in CONSERVATIVE_SOFTMAX else "identity",
            ),
            internal=False,
        )
    scale = float(decomposition.output.abs().mean())
    error = float(decomposition.delta.abs().max())
    return error / scale if scale > 0 else (0.0 if error == 0 else float("inf"))


def lrp_decomposition(
    model: nn.Module,
    inputs: torch.Tensor | tuple[torch.Tensor, ...],
    target: int | torch.Tensor | None = None,
    composite: str | Composite = "epsilon",
    additional_forward_args: tuple[Any, ...] | None = None,
    check_conservation: bool = True,
    internal: bool = True,
    **rule_args: Any,
) -> Decomposition:
    """The LRP decomposition of ``model``'s output: relevance per input, per tapped tensor
    (EdgeConv edges, ParT's particle pairs) and the output, in one backward pass. Arguments as
    for :func:`lrp`; ``internal=False`` skips the intermediate (non-source) taps, which cost a
    retained gradient each."""
    tensors = (inputs,) if isinstance(inputs, torch.Tensor) else tuple(inputs)
    extra = tuple(additional_forward_args or ())
    if not all(t.is_floating_point() for t in tensors):
        raise InputError(
            "attributed inputs must be floating point (masks go in additional_forward_args)"
        )
    built = build_composite(composite, **rule_args)
    check_coverage(model)
    target = check_target(target, len(tensors[0]) if tensors else 0)
    if not len(tensors[0]):  # an empty batch: empty relevances
        return Decomposition(tuple(torch.zeros_like(t) for t in tensors), {}, (), torch.zeros(0))
    decomposition = _propagate(model, tensors, extra, target, built, internal)
    shaped(decomposition.inputs, False)  # warns, naming any input with non-finite relevance
    _warn_cancellation(decomposition.amplification)
    if check_conservation:
        softmax = str(rule_args.get("softmax", "identity"))
        error = _check_conservation(model, tensors, extra, target, softmax)
        if error > CONSERVATION_TOLERANCE:
            warnings.warn(
                f"LRP does not conserve relevance through this model: |f − ΣR| / mean |f| = "
                f"{error:.3g} on the bias-free model (tolerance {CONSERVATION_TOLERANCE}); some "
                "operation inside a module's forward is not covered, so the relevances are not "
                "an LRP explanation",
                ConservationWarning,
                stacklevel=3,
            )
    return decomposition


def _warn_cancellation(amplification: dict[str, float]) -> None:
    """A :class:`CancellationWarning` naming the sums whose branches cancel."""
    over = {name: a for name, a in amplification.items() if a > CANCELLATION_THRESHOLD}
    if over:
        named = ", ".join(f"{name} ({a:.3g}x)" for name, a in sorted(over.items()))
        warnings.warn(
            f"the branches of {named} cancel: the epsilon rule hands them relevances that many "
            f"times larger than their sum's (threshold {CANCELLATION_THRESHOLD:g}x), so the "
            "relevance below is mostly opposite parts whose difference is the output",
            CancellationWarning,
            stacklevel=4,
        )


def lrp(
    model: nn.Module,
    inputs: torch.Tensor | tuple[torch.Tensor, ...],
    target: int | torch.Tensor | None = None,
    composite: str | Composite = "epsilon",
    additional_forward_args: tuple[Any, ...] | None = None,
    return_convergence_delta: bool = False,
    check_conservation: bool = True,
    **rule_args: Any,
) -> Any:
    """Layerwise relevance propagation of ``model``'s output back to ``inputs``.

    Returns relevances with the structure of ``inputs`` (a tensor, or a tuple for multi-input
    models); padding masks travel in ``additional_forward_args`` and receive none. With
    ``return_convergence_delta`` also returns f(x) − Σ relevance per sample: the share absorbed by
    biases and stabilisers (0 for a perfectly conservative rule chain; the shares of source taps,
    such as ParT's pair features, count as relevance — see :func:`lrp_decomposition`).
    ``target``: see :mod:`jetxai.explain._common`. ``softmax`` (a rule parameter): "attnlrp",
    "identity" or "cp" (see the module docs). Uncovered modules are refused before anything
    runs; with ``check_conservation`` a :class:`ConservationWarning` reports a rule chain that
    leaks.
    """
    decomposition = lrp_decomposition(
        model,
        inputs,
        target,
        composite,
        additional_forward_args,
        check_conservation,
        internal=False,
        **rule_args,
    )
    relevance = decomposition.inputs
    result = relevance[0] if isinstance(inputs, torch.Tensor) else tuple(relevance)
    if not return_convergence_delta:
        return result
    return result, decomposition.delta
