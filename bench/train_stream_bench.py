"""Streamed training at the scale of the public benchmarks (issue 25): memory, speed, processes.

# synthetic jets in the Top Landscape layout, imported (80 % train, 10 % val, 10 % test)
python3 bench/train_stream_bench.py data --jets 1250000 --dir DIR
# peak RSS and jets/s of `jetxai train` (a child process; --limit-s stops it and says so)
python3 bench/train_stream_bench.py memory --data DIR/imported --model pfn --epochs 1
# jets/s of jetxai's fit on streamed blocks against a bare PyTorch loop over preloaded
# tensors (same model, batch size, optimiser), side by side in one process
python3 bench/train_stream_bench.py speed --data DIR/imported --model pfn --jets 30000 --threads 1
# DistributedDataParallel on 1 and 2 local processes: jets/s and the weights' agreement
python3 bench/train_stream_bench.py ddp --data DIR/imported --model pfn --epochs 1
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))


def make_data(args: argparse.Namespace) -> None:
    from import_bench import write_synthetic
    from jetxai.data import import_dataset

    root = Path(args.dir)
    root.mkdir(parents=True, exist_ok=True)
    source = root / "synthetic.h5"
    write_synthetic(source, args.jets, ttv=(0.8, 0.1, 0.1))
    out = root / "imported"
    shutil.rmtree(out, ignore_errors=True)
    manifest = import_dataset("top-landscape", [source], out, chunk_size=50_000)
    source.unlink()
    print(f"{manifest['jets_kept']} jets in {out}")


def _peak_rss_of(command: list[str], limit_s: float) -> tuple[float, float, bool]:
    """(peak RSS in GB, seconds, stopped at the limit) of a child process, read from its
    /proc status (VmHWM) until it ends."""
    start = time.perf_counter()
    child = subprocess.Popen(command)
    peak, stopped = 0, False
    status = Path(f"/proc/{child.pid}/status")
    while child.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        if time.perf_counter() - start > limit_s:
            child.terminate()
            child.wait()
            stopped = True
            break
        time.sleep(0.2)
    return peak / 1e6, time.perf_counter() - start, stopped


def memory(args: argparse.Namespace) -> None:
    out = Path(tempfile.mkdtemp(prefix="train-stream-"))
    command = [
        sys.executable, "-m", "jetxai", "train", "--data", args.data, "--model", args.model,
        "--seeds", "1", "--epochs", str(args.epochs), "--n-constituents",
        str(args.constituents), "--batch-size", str(args.batch_size), "--quiet",
        "--out", str(out),
    ]  # fmt: skip
    peak, seconds, stopped = _peak_rss_of(command, args.limit_s)
    history = out / "seed-0" / "history.json"
    rate = json.loads(history.read_text())["jets_per_second"] if history.is_file() else None
    manifest = json.loads((Path(args.data) / "manifest.json").read_text())
    print(
        f"{args.model}: {manifest['jets_kept']:,} jets, peak RSS {peak:.2f} GB, {seconds:.0f} s"
        + (f", training {rate:,.0f} jets/s" if rate else "")
        + (f" (stopped at the {args.limit_s:.0f} s limit)" if stopped else "")
    )
    shutil.rmtree(out, ignore_errors=True)


def _setup(args: argparse.Namespace, out: Path):  # type: ignore[no-untyped-def]
    """The spec, prepared inputs and streams of ``jetxai train`` for the first --jets train
    jets (the same code path as the command)."""
    from jetxai.train import TrainConfig, load_samples
    from jetxai.train.ensemble import _prepare

    config = TrainConfig(
        model=args.model, n_constituents=args.constituents, batch_size=args.batch_size
    )
    samples = load_samples([args.data], lazy=True)
    samples.val, samples.test = samples.val[:64], samples.test[:64]
    samples.train = samples.train[: args.jets]
    return config, _prepare(config, samples, out, progress=False)


def speed(args: argparse.Namespace) -> None:
    from jetxai.models import build
    from jetxai.train.loop import fit
    from jetxai.train.stream import BlockStream

    torch.set_num_threads(args.threads)
    out = Path(tempfile.mkdtemp(prefix="train-speed-"))
    _, (spec, prepared) = _setup(args, out)
    stream = BlockStream(prepared, "train", spec)
    val = BlockStream(prepared, "val", spec)
    whole = list(stream.batches(stream.n_jets))  # the bare loop's preloaded tensors
    (loaded,) = whole
    n = len(loaded.target)
    cpu = torch.device("cpu")

    def bare() -> float:
        torch.manual_seed(0)
        model = build(spec)
        optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
        order = torch.randperm(n, generator=torch.Generator().manual_seed(0))
        model.train()
        start = time.perf_counter()
        for first in range(0, n, args.batch_size):
            index = order[first : first + args.batch_size]
            args_ = tuple(t[index] for t in loaded.args)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                model(*args_), loaded.target[index], weight=loaded.weight[index], reduction="sum"
            )
            optimiser.zero_grad()
            (loss / len(index)).backward()
            optimiser.step()
        return n / (time.perf_counter() - start)

    def jetxai() -> float:
        torch.manual_seed(0)
        model = build(spec)
        start = time.perf_counter()
        fit(model, stream, val, 0, 1, args.batch_size, 1e-3, 5, cpu, progress=False)
        return n / (time.perf_counter() - start)

    rates: dict[str, list[float]] = {"bare": [], "jetxai": []}
    for _ in range(args.repeat):
        rates["bare"].append(bare())
        rates["jetxai"].append(jetxai())
    best = {k: max(v) for k, v in rates.items()}
    print(
        f"{args.model}, {n:,} jets, batch {args.batch_size}, {args.threads} thread(s): "
        f"bare loop {best['bare']:,.0f} jets/s, jetxai fit (streamed, incl. validation of "
        f"64 jets) {best['jetxai']:,.0f} jets/s, ratio {best['jetxai'] / best['bare']:.2f} "
        f"(best of {args.repeat}; all: {rates})"
    )
    shutil.rmtree(out, ignore_errors=True)


def ddp(args: argparse.Namespace) -> None:
    from safetensors.torch import load_file

    from jetxai.train import TrainConfig, train

    out = Path(tempfile.mkdtemp(prefix="train-ddp-"))
    rates, weights = {}, {}
    for nproc in (1, 2):
        config = TrainConfig(
            model=args.model, seeds=1, epochs=args.epochs, n_constituents=args.constituents,
            batch_size=args.batch_size, nproc=nproc,
        )  # fmt: skip
        start = time.perf_counter()
        train(config, [args.data], out / str(nproc), progress=False)
        seconds = time.perf_counter() - start
        history = json.loads((out / str(nproc) / "seed-0" / "history.json").read_text())
        rates[nproc] = (history["jets_per_second"], seconds)
        weights[nproc] = load_file(str(out / str(nproc) / "seed-0" / "model.safetensors"))
    difference = max(float((weights[1][k] - weights[2][k]).abs().max()) for k in weights[1])
    print(
        f"{args.model}, batch {args.batch_size}: 1 process {rates[1][0]:,.0f} jets/s "
        f"({rates[1][1]:.0f} s in all), 2 processes {rates[2][0]:,.0f} jets/s "
        f"({rates[2][1]:.0f} s): speed-up {rates[2][0] / rates[1][0]:.2f}x in training, "
        f"{rates[1][1] / rates[2][1]:.2f}x whole run; max |w1 - w2| = {difference:.2e}"
    )
    shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["data", "memory", "speed", "ddp"])
    parser.add_argument("--dir")
    parser.add_argument("--data")
    parser.add_argument("--jets", type=int, default=30_000)
    parser.add_argument("--model", default="pfn")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--constituents", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--limit-s", type=float, default=3600.0)
    args = parser.parse_args()
    {"data": make_data, "memory": memory, "speed": speed, "ddp": ddp}[args.mode](args)


if __name__ == "__main__":
    main()
