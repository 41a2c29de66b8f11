"""LRP on ParticleNet and the Particle Transformer: conservation, speed, faithfulness.

Run from the repository root:

    python3 bench/attention_bench.py conservation
    python3 bench/attention_bench.py speed --jets 512 --constituents 64
    python3 bench/attention_bench.py faithfulness --run RUNS/part+xaug --data TOP QCD

``conservation``: |f − ΣR| / |f| in float64 with every bias set to 0, for particlenet and part
with and without an XAUG vector, with the conservative softmax rule (ΣR counts ParT's pair and
class-token shares) and, for part, the share AttnLRP's softmax rule absorbs.

``speed``: relevances per second of batched LRP, against one forward + backward pass on the same
batch and against explaining the same jets one at a time (a per-jet loop, as tools without
batched padding do), side by side in one run. Untrained models at the default sizes; the jets
have 15–n real constituents (uniform), the rest padded.

``faithfulness``: deletion curves on a trained checkpoint's test jets: the mean logit as the
most relevant particles (by LRP, IG or at random) are removed from the jet (masked out), and
the area under each curve (lower: the ranking found the particles the network uses).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

# the tests' hand-written references serve as the explicit per-jet implementation
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jetxai.explain import integrated_gradients
from jetxai.explain.lrp import lrp_decomposition
from jetxai.explain.lrp.engine import _without_biases
from jetxai.features.constituents import DEFAULT_FIELDS
from jetxai.models import ModelSpec, build

MODELS = ("particlenet", "part")


def synthetic(
    n_jets: int, n: int, n_xaug: int, dtype: torch.dtype, seed: int = 0
) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    """Standardised-looking inputs: (constituents[, xaug]) and a mask of 15–n real particles."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_jets, n, len(DEFAULT_FIELDS), generator=generator, dtype=dtype)
    counts = torch.randint(min(15, n), n + 1, (n_jets, 1), generator=generator)
    mask = torch.arange(n)[None] < counts
    x = x * mask.unsqueeze(-1)
    inputs: tuple[torch.Tensor, ...] = (x,)
    if n_xaug:
        inputs += (torch.randn(n_jets, n_xaug, generator=generator, dtype=dtype),)
    return inputs, mask


def model_for(name: str, n_xaug: int, n: int) -> torch.nn.Module:
    spec = ModelSpec(
        name=name,
        xaug=[f"x{i}" for i in range(n_xaug)],
        constituent_fields=list(DEFAULT_FIELDS),
        n_constituents=n,
    )
    torch.manual_seed(0)
    return build(spec).eval()


def conservation(args: argparse.Namespace) -> None:
    print("| model | XAUG | softmax rule | median abs(f − ΣR) / abs(f) | max | shares (mean ΣR) |")
    print("|---|---|---|---|---|---|")
    for name in MODELS:
        for n_xaug in (0, 3):
            model = model_for(name, n_xaug, args.constituents).double()
            inputs, mask = synthetic(args.jets, args.constituents, n_xaug, torch.float64)
            for softmax in ("identity", "cp", "attnlrp") if name == "part" else ("identity",):
                with _without_biases(model):
                    result = lrp_decomposition(
                        model,
                        inputs,
                        additional_forward_args=(mask,),
                        softmax=softmax,
                        epsilon=1e-12,
                        check_conservation=False,
                    )
                relative = (result.delta.abs() / result.output.abs()).numpy()
                shares = ", ".join(
                    f"{k} {float(v.mean()):+.3f}" for k, v in result.totals().items()
                )
                print(
                    f"| {name} | {'yes' if n_xaug else 'no'} | {softmax} | "
                    f"{np.median(relative):.1e} | {relative.max():.1e} | {shares} |"
                )


def _best(function: Callable[[], Any], repeats: int) -> float:
    """Fastest of ``repeats`` timings (the machine is shared; the minimum is the least noisy)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _timings(name: str, args: argparse.Namespace) -> str:
    """One row of the speed table."""
    model = model_for(name, 3, args.constituents)
    inputs, mask = synthetic(args.jets, args.constituents, 3, torch.float32)
    n_loop = min(args.loop_jets, args.jets)

    def plain() -> None:
        leaves = [t.clone().requires_grad_(True) for t in inputs]
        torch.autograd.grad(model(*leaves, mask).sum(), leaves)

    def batched(probe: bool = False, internal: bool = False) -> None:
        lrp_decomposition(
            model,
            inputs,
            additional_forward_args=(mask,),
            check_conservation=probe,
            internal=internal,
        )

    def loop() -> None:
        for i in range(n_loop):
            lrp_decomposition(
                model,
                tuple(t[i : i + 1] for t in inputs),
                additional_forward_args=(mask[i : i + 1],),
                check_conservation=False,
                internal=False,
            )

    t_plain = _best(plain, args.repeats)
    t_lrp = _best(batched, args.repeats)
    t_probe = _best(lambda: batched(True), args.repeats)
    t_internal = _best(lambda: batched(internal=True), args.repeats)
    t_loop = _best(loop, max(1, args.repeats // 2))
    rate, rate_loop = args.jets / t_lrp, n_loop / t_loop
    return (
        f"| {name} | {rate:,.0f} | {args.jets / t_plain:,.0f} | {t_lrp / t_plain:.2f} | "
        f"{t_probe / t_plain:.2f} | {t_internal / t_plain:.2f} | {rate_loop:,.0f} | "
        f"{rate / rate_loop:.1f}× |"
    )


def _explicit_rows(args: argparse.Namespace) -> list[str]:
    """Batched LRP against the explicit per-jet relevance messages of the tests' references (the
    xai4hep style: one jet at a time, one operation at a time, in numpy), on one-block models."""
    from tests.explain.test_lrp_attention import (
        OneBlock,
        _edgeconv_reference,
        _one_block_reference,
    )

    from jetxai.models.particlenet import ParticleNet

    n, n_jets = args.constituents, args.reference_jets
    rows = []
    torch.manual_seed(0)
    edge = ParticleNet(len(DEFAULT_FIELDS), k=16, widths=(64,), depth=1, hidden=()).double().eval()
    (x,), mask = synthetic(n_jets, n, 0, torch.float64)
    attention = OneBlock(len(DEFAULT_FIELDS), 32).double().eval()
    pair = torch.randn(n_jets, n, n, 2, dtype=torch.float64)
    full = torch.ones(n_jets, n, dtype=torch.bool)
    cases = [
        (
            "EdgeConv block (k = 16, 64 wide)",
            lambda: lrp_decomposition(
                edge, x, additional_forward_args=(mask,), epsilon=1e-9, check_conservation=False
            ),
            lambda: [
                _edgeconv_reference(edge, x[b].numpy(), mask[b].numpy()) for b in range(n_jets)
            ],
        ),
        (
            "attention block (32 wide, pair bias)",
            lambda: lrp_decomposition(
                attention,
                x,
                additional_forward_args=(pair, full),
                epsilon=1e-9,
                check_conservation=False,
            ),
            lambda: [
                _one_block_reference(attention, x[b].numpy(), pair[b].numpy(), "attnlrp")
                for b in range(n_jets)
            ],
        ),
    ]
    for label, engine, reference in cases:
        t_engine = _best(engine, args.repeats)
        t_reference = _best(reference, 1)
        rows.append(
            f"| {label} | {n_jets / t_engine:,.0f} | {n_jets / t_reference:,.1f} | "
            f"{t_reference / t_engine:,.0f}× |"
        )
    return rows


def speed(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    print(
        f"{args.jets} jets, {args.constituents} constituent slots, {torch.get_num_threads()} "
        f"torch threads, float32, best of {args.repeats}"
    )
    print(
        "| model | batched LRP (jets/s) | forward + backward (jets/s) | LRP / (fwd + bwd) | "
        "with the conservation probe | with edge / pair relevance | per-jet calls (jets/s) | "
        "batched / per-jet |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in MODELS:
        print(_timings(name, args))
    print(
        f"\nOne-block models, float64, {args.reference_jets} jets: batched engine against explicit "
        "per-jet relevance messages in numpy"
    )
    print("| block | batched LRP (jets/s) | per-jet explicit loop (jets/s) | ratio |")
    print("|---|---|---|---|")
    for row in _explicit_rows(args):
        print(row)


def _deletion(
    model: torch.nn.Module,
    inputs: tuple[torch.Tensor, ...],
    mask: torch.Tensor,
    score: torch.Tensor,
    fractions: np.ndarray,
) -> np.ndarray:
    """Mean logit after removing the top ``fraction`` of each jet's real particles by ``score``."""
    counts = mask.sum(dim=1)
    order = torch.argsort(score.masked_fill(~mask, -torch.inf), dim=1, descending=True)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(mask.shape[1]).expand_as(order))
    out = []
    with torch.no_grad():
        for fraction in fractions:
            removed = rank < torch.round(counts * fraction).long().unsqueeze(1)
            kept = mask & ~removed
            out.append(float(model(*inputs, kept).mean()))
    return np.array(out)


def faithfulness(args: argparse.Namespace) -> None:
    from jetxai.models import load, prepare_inputs
    from jetxai.studies.checkpoints import SplitCache, checkpoints

    torch.set_num_threads(args.threads)
    fractions = np.linspace(0.0, 0.5, 11)
    splits = SplitCache(args.data)
    print(f"deletion curves: fraction of real particles removed {fractions.tolist()}")
    print("| checkpoint | class | ranking | mean logit along the curve | area |")
    print("|---|---|---|---|---|")
    for directory in checkpoints(args.run):
        model = load(directory)
        samples = splits(model)
        jets, labels = samples.jets[samples.test], np.asarray(samples.target[samples.test])
        for label, cls in ((1, "signal"), (0, "background")):
            chosen = jets[np.flatnonzero(labels == label)[: args.jets]]
            inputs, (mask,) = prepare_inputs(model, chosen)
            rankings: dict[str, torch.Tensor] = {}
            for softmax in ("attnlrp", "identity") if "part" in str(directory) else ("-",):
                options = {} if softmax == "-" else {"softmax": softmax}
                result = lrp_decomposition(
                    model, inputs, additional_forward_args=(mask,), **options
                )
                rankings[f"LRP {softmax}".replace(" -", "")] = result.inputs[0].sum(-1)
            ig = integrated_gradients(model, inputs, additional_forward_args=(mask,), n_steps=32)
            rankings["IG (zero)"] = ig[0].sum(-1)
            generator = torch.Generator().manual_seed(0)
            rankings["random"] = torch.rand(mask.shape, generator=generator)
            for ranking, score in rankings.items():
                # signal: remove what speaks for the signal; background: against it
                curve = _deletion(model, inputs, mask, score if label else -score, fractions)
                area = float(np.trapezoid(curve, fractions) / fractions[-1])
                print(
                    f"| {directory.parent.name}/{directory.name} | {cls} | {ranking} | "
                    f"{' '.join(f'{v:+.2f}' for v in curve)} | {area:+.3f} |"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("conservation")
    c.add_argument("--jets", type=int, default=256)
    c.add_argument("--constituents", type=int, default=32)
    s = sub.add_parser("speed")
    s.add_argument("--jets", type=int, default=512)
    s.add_argument("--constituents", type=int, default=64)
    s.add_argument("--loop-jets", type=int, default=64)
    s.add_argument("--reference-jets", type=int, default=256)
    s.add_argument("--repeats", type=int, default=3)
    s.add_argument("--threads", type=int, default=2)
    f = sub.add_parser("faithfulness")
    f.add_argument("--run", required=True, type=Path)
    f.add_argument("--data", nargs="+", required=True)
    f.add_argument("--jets", type=int, default=1000)
    f.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    {"conservation": conservation, "speed": speed, "faithfulness": faithfulness}[args.command](args)


if __name__ == "__main__":
    main()
