"""Explanation benchmarks: LRP against Zennit, IG against Captum, tagger throughput, memory.

Run from the repository root:

    # LRP vs Zennit, side by side in one process (needs the optional environment with zennit,
    # torch 2.14.1 + torchvision 0.29.1 and jetxai installed; see BENCHMARKS.md)
    /path/to/zennit-env/bin/python bench/explain_bench.py lrp-vs-zennit
    python3 bench/explain_bench.py lrp-throughput        # relevances/s for PFN and LSTM taggers
    python3 bench/explain_bench.py ig-vs-captum          # averaged baseline, K = 16
    python3 bench/explain_bench.py ig-memory --examples 1000000
    # adaptive vs fixed IG steps on a trained run's test jets (averaged baseline, K = 16)
    python3 bench/explain_bench.py ig-adaptive --run RUN/seed-0 --data TOP QCD --jets 500
    # exact IG steps (between the ReLU kinks) against adaptive ones; no --run: a random ReLU net
    python3 bench/explain_bench.py ig-exact --run RUN/seed-0 --data TOP QCD --jets 500
    # IG jets/s on a PFN + XAUG of the demo's size (64 constituent slots), K = 16, 32 steps
    python3 bench/explain_bench.py ig-throughput
    # jetxai explain's throughput: this process vs 1 and 2 Dask workers
    python3 bench/explain_bench.py explain-workers --run RUN/seed-0 --data TOP QCD --jets 4096
    # a test-only copy of a dataset, its chunks repeated to 500,000 jets (explain's memory)
    python3 bench/explain_bench.py test-only-copy --data TOP --jets 500000 --out BIG-TOP

Speed figures are ratios of runs interleaved in one process (median of repeats).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from jetxai.explain import AveragedBaseline, integrated_gradients, lrp


def dense_tagger(n_in: int = 24, seed: int = 0) -> nn.Module:
    """An XAUG dense tagger of the size jetxai trains (3 hidden layers of 64, ReLU)."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(n_in, 64),
        nn.ReLU(),
        nn.Linear(64, 64),
        nn.ReLU(),
        nn.Linear(64, 64),
        nn.ReLU(),
        nn.Linear(64, 1),
        nn.Flatten(0),
    ).eval()


def interleaved(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds of each run, alternating between them ``repeats`` times."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def lrp_vs_zennit(args: argparse.Namespace) -> None:
    from zennit.attribution import Gradient
    from zennit.composites import LayerMapComposite
    from zennit.rules import Epsilon, Pass

    dtype = getattr(torch, args.dtype)
    model = dense_tagger().to(dtype)
    x = torch.randn(args.examples, 24, dtype=dtype)
    composite = LayerMapComposite([(nn.Linear, Epsilon(epsilon=args.epsilon)), (nn.ReLU, Pass())])

    def zennit() -> torch.Tensor:
        with Gradient(model=model, composite=composite) as attributor:
            _, relevance = attributor(x, lambda out: out)
        return relevance

    def ours() -> torch.Tensor:
        return lrp(model, x, epsilon=args.epsilon)

    theirs, mine = zennit(), ours()
    scale = theirs.abs().max()
    worst = float(((mine - theirs).abs() / (theirs.abs() + 1e-3 * scale)).max())
    times = interleaved({"jetxai": ours, "zennit": zennit}, args.repeats)
    print(
        f"LRP-epsilon (eps={args.epsilon}) on a 24-64-64-64-1 dense tagger, {args.examples} jets, "
        f"{args.dtype}, torch {torch.__version__}"
    )
    print(f"  max relative difference to Zennit: {worst:.2e}  [target <= 1e-5]")
    print(
        f"  jetxai {args.examples / times['jetxai']:.0f} jets/s, zennit "
        f"{args.examples / times['zennit']:.0f} jets/s, "
        f"speed-up {times['zennit'] / times['jetxai']:.2f}x  [target >= 2.5x]"
    )


def lrp_throughput(args: argparse.Namespace) -> None:
    from jetxai.models import build, default_spec

    for name in ("pfn", "lstm"):
        spec = default_spec(name, [], n_constituents=64)
        spec.constituent_mean, spec.constituent_std = [0.0] * 14, [1.0] * 14
        torch.manual_seed(0)
        model = build(spec).eval()
        x = torch.randn(args.examples, 64, 14)
        mask = torch.arange(64)[None, :] < torch.randint(20, 64, (args.examples, 1))
        x = x * mask.unsqueeze(-1)
        times = interleaved(
            {
                "lrp": lambda m=model, a=x, k=mask: lrp(m, a, additional_forward_args=(k,)),
                "forward": lambda m=model, a=x, k=mask: m(a, k),
            },
            args.repeats,
        )
        print(
            f"{name}: {args.examples / times['lrp']:.0f} relevances/s "
            "(64 constituents x 14 features);"
            f" LRP costs {times['lrp'] / times['forward']:.1f} forward passes"
        )


def ig_vs_captum(args: argparse.Namespace) -> None:
    from captum.attr import IntegratedGradients

    model = dense_tagger()
    x = torch.randn(args.examples, 24)
    samples = torch.randn(args.k, 24)
    weights = torch.rand(args.k, dtype=torch.float64)
    baseline = AveragedBaseline(samples, weights)
    w = baseline.weights

    def ours() -> torch.Tensor:
        return integrated_gradients(
            model,
            x,
            baselines=baseline,
            n_steps=args.steps,
            method="gausslegendre",
            batch_size=args.batch,
        )

    def captum() -> torch.Tensor:
        ig = IntegratedGradients(model)
        total = torch.zeros_like(x, dtype=torch.float64)
        for k in range(args.k):
            attribution = ig.attribute(
                x,
                baselines=samples[k : k + 1].expand_as(x),
                n_steps=args.steps,
                method="gausslegendre",
            )
            total += float(w[k]) * attribution.double()
        return total

    mine, theirs = ours(), captum()
    worst = float(
        ((mine.double() - theirs).abs() / (theirs.abs() + 1e-3 * theirs.abs().max())).max()
    )
    times = interleaved({"jetxai": ours, "captum": captum}, args.repeats)
    print(
        f"IG, averaged baseline K={args.k}, {args.steps} Gauss-Legendre steps, "
        f"{args.examples} jets, 24-64-64-64-1 tagger"
    )
    print(f"  max relative difference to Captum: {worst:.2e}  [target <= 1e-5]")
    print(
        f"  jetxai {args.examples / times['jetxai']:.0f} jets/s, "
        f"captum {args.examples / times['captum']:.0f} jets/s, "
        f"speed-up {times['captum'] / times['jetxai']:.2f}x  [target >= 5x]"
    )


def ig_memory(args: argparse.Namespace) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    model = dense_tagger()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "examples.parquet"
        writer = None
        for start in range(0, args.examples, 100_000):
            block = rng.normal(size=(min(100_000, args.examples - start), 24)).astype(np.float32)
            table = pa.table({f"f{i}": block[:, i] for i in range(24)})
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
        assert writer is not None
        writer.close()
        baseline = AveragedBaseline(torch.randn(args.k, 24))
        start_time = time.perf_counter()
        done, checksum = 0, 0.0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=args.chunk):
            x = torch.from_numpy(np.stack([c.to_numpy() for c in batch.columns], axis=1))
            phi = integrated_gradients(
                model, x, baselines=baseline, n_steps=args.steps, batch_size=args.batch
            )
            done += len(x)
            checksum += float(phi.sum())
        seconds = time.perf_counter() - start_time
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"IG streamed over {done} examples from Parquet (chunks of {args.chunk}, K={args.k}, "
        f"{args.steps} steps): {seconds:.0f} s, {done / seconds:.0f} examples/s, "
        f"peak RSS {peak:.0f} MB"
        f"  [target < 2048 MB]  (checksum {checksum:.3e})"
    )


def _test_jets(args: argparse.Namespace) -> tuple[torch.nn.Module, tuple, dict]:
    """(model, inputs, IG options) of ``--jets`` balanced test jets of ``--run`` against the
    averaged baseline of ``--k`` background jets (uniform weights)."""
    from jetxai.models import load, prepare_inputs
    from jetxai.studies.background import background_baseline
    from jetxai.studies.checkpoints import SplitCache
    from jetxai.studies.explain import balanced_subset

    model = load(args.run)
    samples = SplitCache(args.data)(model)
    jets, labels = samples.jets[samples.test], np.asarray(samples.target[samples.test])
    jets = jets[balanced_subset(labels, args.jets)]
    baseline = background_baseline(model, samples, "averaged", "uniform", args.k)
    inputs, additional = prepare_inputs(model, jets)
    return model, inputs, {"baselines": baseline, "additional_forward_args": additional}


def ig_exact(args: argparse.Namespace) -> None:
    """Exact IG steps (integrated between the ReLU kinks) against adaptive ones, side by side:
    seconds (best of --repeats, interleaved), work per jet and the relative completeness delta
    |δ| / |f(x) − f̄(x′)| (99th percentile and largest). Without --run: the issue's random
    8-32-32-1 ReLU net, zero baseline, --jets Gaussian inputs."""
    if args.run is None:
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(),
            torch.nn.Linear(32, 1),
        ).eval()  # fmt: skip
        inputs, common, k = (torch.randn(args.jets, 8),), {}, 1
        print(f"random 8-32-32-1 ReLU net, {args.jets} Gaussian inputs, zero baseline")
    else:
        model, inputs, common = _test_jets(args)
        k = args.k
        print(f"{args.run}: {len(inputs[0])} test jets (half per class), averaged baseline K = {k}")
    rules = {
        "adaptive, tolerance 1 %": {"n_steps": "auto", "tolerance": 0.01},
        "adaptive, tolerance 0.1 %": {"n_steps": "auto", "tolerance": 1e-3, "max_steps": 4096},
        "exact": {"n_steps": "exact"},
    }
    best: dict[str, float] = {}
    found: dict[str, tuple] = {}
    for _ in range(args.repeats):
        for name, options in rules.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the unconverged jets are counted below
                phi, delta, used = integrated_gradients(
                    model, inputs, return_convergence_delta=True, return_steps=True,
                    batch_size=args.batch, **options, **common,
                )  # fmt: skip
            best[name] = min(best.get(name, np.inf), time.perf_counter() - start)
            phi = phi if isinstance(phi, tuple) else (phi,)
            n = len(phi[0])
            total = sum(p.double().reshape(n, -1).sum(dim=1) for p in phi)
            found[name] = (delta.abs() / ((total - delta).abs() + 1e-12), used)
    print("| steps | work per jet | relative delta: 99th percentile | largest | seconds |")
    print("|---|---|---|---|---|")
    for name in rules:
        relative, used = found[name]
        work = (
            f"{float(used.double().mean()):.1f} linear pieces (over its K paths; median "
            f"{float(used.double().median()):.0f}, max {int(used.max())})"
            if name == "exact"
            else f"{float((used + 1).double().mean()) * k:.0f} gradients (median "
            f"{int(used.median())} intervals, max {int(used.max())})"
        )
        print(
            f"| {name} | {work} | {float(relative.quantile(0.99)):.2g} | "
            f"{float(relative.max()):.2g} | {best[name]:.2f} |"
        )
    print("(each exact piece is one gradient and one forward-mode pass, in float64)")


def ig_adaptive(args: argparse.Namespace) -> None:
    """Gradient evaluations per jet for |δ| ≤ tol · |f(x) − f̄(x′)| on 99 % of the jets: fixed
    grids (the smallest power of two that reaches it) against adaptive steps (tolerance tol)."""

    model, inputs, common = _test_jets(args)
    n, k = len(inputs[0]), args.k
    print(
        f"{args.run}: {n} test jets (half per class), averaged baseline K = {k}; goal "
        f"|delta| <= {args.tolerance:g} |f(x) - f(x')| for {args.quantile:.0%} of the jets"
    )
    print("| rule | steps | jets within the goal | gradient evaluations per jet | seconds |")
    print("|---|---|---|---|---|")
    for method in ("gausslegendre", "riemann_trapezoid"):
        steps = 2
        while steps <= args.max_steps:
            start = time.perf_counter()
            phi, delta = integrated_gradients(
                model, inputs, n_steps=steps, method=method, return_convergence_delta=True,
                **common,
            )  # fmt: skip
            seconds = time.perf_counter() - start
            total = sum(p.double().reshape(n, -1).sum(dim=1) for p in phi)
            within = float(
                (delta.abs() <= args.tolerance * (total - delta).abs() + 1e-6).double().mean()
            )
            print(f"| fixed {method} | {steps} | {within:.1%} | {steps * k} | {seconds:.1f} |")
            if within >= args.quantile:
                break
            steps *= 2
    start = time.perf_counter()
    phi, delta, used = integrated_gradients(
        model, inputs, n_steps="auto", tolerance=args.tolerance, max_steps=args.max_steps,
        return_convergence_delta=True, return_steps=True, **common,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    total = sum(p.double().reshape(n, -1).sum(dim=1) for p in phi)
    within = float((delta.abs() <= args.tolerance * (total - delta).abs() + 1e-6).double().mean())
    evaluations = float((used + 1).double().mean()) * k
    print(
        f"| adaptive trapezoid | median {int(used.median())}, max {int(used.max())} intervals | "
        f"{within:.1%} | {evaluations:.0f} | {seconds:.1f} |"
    )
    print("(every row also evaluates f at the jet and its K baselines once: K + 1 forward passes)")


def ig_throughput(args: argparse.Namespace) -> None:
    """Jets/s of IG with an averaged baseline on an (untrained) PFN + XAUG of the demo's size:
    64 constituent slots of 7 features, 20–64 of them real, 22 XAUGs."""
    from jetxai.models.taggers import PFN

    torch.manual_seed(0)
    model = PFN(n_features=7, n_xaug=22).eval()
    n = args.examples
    mask = torch.arange(64)[None] < torch.randint(20, 65, (n, 1))
    x = torch.randn(n, 64, 7) * mask[..., None]
    xaug = torch.randn(n, 22)
    background = AveragedBaseline((torch.randn(args.k, 64, 7), torch.randn(args.k, 22)))

    def run() -> None:
        integrated_gradients(
            model, (x, xaug), baselines=background, n_steps=args.steps,
            additional_forward_args=(mask,), return_convergence_delta=True,
        )  # fmt: skip

    seconds = interleaved({"ig": run}, args.repeats)["ig"]
    print(
        f"IG, PFN + XAUG (64 slots), K = {args.k}, {args.steps} Gauss-Legendre steps, "
        f"{torch.get_num_threads()} threads: {n / seconds:.1f} jets/s"
    )


def explain_workers(args: argparse.Namespace) -> None:
    """Jets/s of ``explain_run`` (IG averaged K = 16 and ε-LRP) in this process, on one Dask
    worker and on two (local clusters, one torch thread per worker): the whole run (reading the
    split, summaries, files) and its chunk phase alone (what the workers share)."""
    import importlib

    import pyarrow.parquet as pq
    from dask.distributed import Client, LocalCluster

    from jetxai.studies import explain as explain_module
    from jetxai.studies.explain import explain_run

    chunk_seconds: list[float] = []
    original = explain_module.explain_jets

    def timed(*a: Any, **k: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            chunk_seconds.append(time.perf_counter() - start)

    explain_module.explain_jets = timed  # type: ignore[assignment]
    methods: dict[str, dict[str, Any]] = {
        "ig": {"method": "ig", "baseline": "averaged", "k": 16, "n_steps": args.steps},
        "lrp": {"method": "lrp"},
    }
    jets = {"ig": args.jets, "lrp": args.lrp_jets}
    methods["ig"]["batch_size"] = args.batch
    methods["lrp"]["batch_size"] = args.lrp_batch
    print(f"{args.run}: at most {jets} test jets, batches of {args.batch} (lrp {args.lrp_batch})")
    print(
        "| method | this process | 1 Dask worker | 2 Dask workers | 2 / 1 workers "
        "| chunk phase: 2 / 1 workers |"
    )
    print("|---|---|---|---|---|---|")
    for name, options in methods.items():
        rates, phase = {}, {}
        with tempfile.TemporaryDirectory() as tmp:
            for where in ("here", "one", "two"):
                chunk_seconds.clear()
                start = time.perf_counter()
                if where == "here":
                    explain_run(
                        args.run, args.data, Path(tmp) / where, max_jets=jets[name],
                        progress=False, **options,
                    )  # fmt: skip
                else:
                    n = 1 if where == "one" else 2
                    with (
                        LocalCluster(
                            n_workers=n, threads_per_worker=1, dashboard_address=":0"
                        ) as cluster,
                        Client(cluster) as client,
                    ):
                        # the cluster's start-up and the workers' first imports are not counted
                        client.run(importlib.import_module, "jetxai.studies.chunks")
                        start = time.perf_counter()
                        address = cluster.scheduler_address
                        explain_run(
                            args.run, args.data, Path(tmp) / where, scheduler=address,
                            max_jets=jets[name], progress=False, **options,
                        )  # fmt: skip
                seconds = time.perf_counter() - start
                explained = pq.read_metadata(Path(tmp) / where / "relevance-seed-0.parquet")
                rates[where] = explained.num_rows / seconds
                phase[where] = explained.num_rows / sum(chunk_seconds)
        print(
            f"| {name} | {rates['here']:.0f} jets/s | {rates['one']:.0f} jets/s | "
            f"{rates['two']:.0f} jets/s | {rates['two'] / rates['one']:.2f}x | "
            f"{phase['two'] / phase['one']:.2f}x ({phase['one']:.0f} → {phase['two']:.0f} jets/s) |"
        )


def test_only_copy(args: argparse.Namespace) -> None:
    """A dataset of ``--jets`` test-split jets made of the source dataset's chunks repeated (a
    ``split`` column marks every jet a test jet; a new config hash makes it a dataset of its
    own): a test set far larger than one can generate here, for the memory of explaining it."""
    import hashlib

    import awkward as ak
    import numpy as np

    from jetxai import data
    from jetxai.data.dataset import (
        chunk_annotations,
        chunk_meta,
        file_digest,
        verify_chunks,
        write_chunk,
        write_manifest,
    )
    from jetxai.data.schema import SPLIT_CODES

    source = data.read_manifest(args.data)
    paths = verify_chunks(args.data, source)
    config_hash = hashlib.sha256(f"{source['config_hash']}/test-only/{args.jets}".encode())
    manifest = dict(source, config_hash=config_hash.hexdigest()[:16], chunks=[])
    written, index = 0, 0
    while written < args.jets:
        path = paths[index % len(paths)]
        jets = data.read_chunk(path)[: args.jets - written]
        jets = ak.with_field(jets, np.full(len(jets), SPLIT_CODES["test"], np.int8), "split")
        meta = chunk_meta(path) | {"index": index, "config_hash": manifest["config_hash"]}
        target = write_chunk(args.out, index, jets, meta, chunk_annotations(path))
        manifest["chunks"].append(
            {"index": index, "n_jets": len(jets), "blake2b": file_digest(target)}
            | {"config_hash": manifest["config_hash"]}
        )
        written, index = written + len(jets), index + 1
    manifest["jets_kept"] = written
    write_manifest(args.out, manifest)
    print(f"{args.out}: {written} test jets in {index} chunks")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("lrp-vs-zennit")
    p.add_argument("--examples", type=int, default=20_000)
    p.add_argument("--epsilon", type=float, default=1e-6)
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--repeats", type=int, default=7)
    p.set_defaults(func=lrp_vs_zennit)
    p = sub.add_parser("lrp-throughput")
    p.add_argument("--examples", type=int, default=2048)
    p.add_argument("--repeats", type=int, default=3)
    p.set_defaults(func=lrp_throughput)
    p = sub.add_parser("ig-vs-captum")
    p.add_argument("--examples", type=int, default=2000)
    p.add_argument("--k", type=int, default=16)
    p.add_argument("--steps", type=int, default=32)
    p.add_argument("--batch", type=int, default=65536)
    p.add_argument("--repeats", type=int, default=3)
    p.set_defaults(func=ig_vs_captum)
    p = sub.add_parser("ig-memory")
    p.add_argument("--examples", type=int, default=1_000_000)
    p.add_argument("--chunk", type=int, default=20_000)
    p.add_argument("--k", type=int, default=1)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--batch", type=int, default=65536)
    p.set_defaults(func=ig_memory)
    p = sub.add_parser("ig-adaptive")
    p.add_argument("--run", required=True, help="a checkpoint (seed-k directory)")
    p.add_argument("--data", nargs="+", required=True, help="the run's datasets")
    p.add_argument("--jets", type=int, default=500)
    p.add_argument("--k", type=int, default=16)
    p.add_argument("--tolerance", type=float, default=0.01)
    p.add_argument("--quantile", type=float, default=0.99)
    p.add_argument("--max-steps", type=int, default=1024)
    p.set_defaults(func=ig_adaptive)
    p = sub.add_parser("ig-exact")
    p.add_argument("--run", help="a trained run's seed directory (default: a random ReLU net)")
    p.add_argument("--data", nargs="+")
    p.add_argument("--jets", type=int, default=1000)
    p.add_argument("--k", type=int, default=16)
    p.add_argument("--batch", type=int, default=4096)
    p.add_argument("--repeats", type=int, default=3)
    p.set_defaults(func=ig_exact)
    p = sub.add_parser("ig-throughput")
    p.add_argument("--examples", type=int, default=128)
    p.add_argument("--k", type=int, default=16)
    p.add_argument("--steps", type=int, default=32)
    p.add_argument("--repeats", type=int, default=3)
    p.set_defaults(func=ig_throughput)
    p = sub.add_parser("explain-workers")
    p.add_argument("--run", required=True, help="a checkpoint (seed-k directory)")
    p.add_argument("--data", nargs="+", required=True, help="the run's datasets")
    p.add_argument("--jets", type=int, default=4096, help="jets explained by IG")
    p.add_argument("--lrp-jets", type=int, default=50_000, help="jets explained by LRP")
    p.add_argument("--batch", type=int, default=128, help="IG batch (jets)")
    p.add_argument("--lrp-batch", type=int, default=512, help="LRP batch (jets)")
    p.add_argument("--steps", type=int, default=32)
    p.set_defaults(func=explain_workers)
    p = sub.add_parser("test-only-copy")
    p.add_argument("--data", required=True, help="the dataset whose chunks are repeated")
    p.add_argument("--jets", type=int, required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=test_only_copy)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
