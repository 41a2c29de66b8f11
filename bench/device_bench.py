"""The GPU path of training and attribution: does every method run on CUDA, does it agree with
the CPU, and how fast is it (side by side in one run).

    python3 bench/device_bench.py [--jets 2000]

Synthetic inputs (no generation needed): a PFN + XAUG tagger on random padded constituents and
a dnn on random XAUG vectors. Prints, per method, the largest relative difference GPU vs CPU and
the GPU / CPU time ratio; a method that fails on the GPU prints its error instead.
"""

from __future__ import annotations

import argparse
import time
import traceback
from collections.abc import Callable
from functools import partial
from typing import Any

import torch

from jetxai.explain import AveragedBaseline, attribute
from jetxai.models import build, default_spec
from jetxai.train.loop import Batches, fit


def _model(name: str) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
    xaug = ["mass", "tau32", "d2", "c2", "n2"]
    spec = default_spec(name, xaug, n_constituents=32)
    torch.manual_seed(0)
    model = build(spec).eval()
    n = ARGS.jets
    g = torch.Generator().manual_seed(1)
    if name == "dnn":
        return model, (torch.randn(n, len(xaug), generator=g),), ()
    features = len(spec.constituent_fields)
    x = torch.randn(n, 32, features, generator=g)
    mask = torch.arange(32)[None, :] < torch.randint(4, 33, (n, 1), generator=g)
    x = x * mask.unsqueeze(-1)
    return model, (x, torch.randn(n, len(xaug), generator=g)), (mask,)


def _on(device: str, items: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    return tuple(t.to(device) for t in items)


METHODS: dict[str, Callable[[torch.Tensor | tuple, tuple], dict[str, Any]]] = {}


def _time(call: Callable[[], Any], device: str) -> tuple[Any, float]:
    call()  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    result = call()
    if device == "cuda":
        torch.cuda.synchronize()
    return result, time.perf_counter() - start


def _flat(result: Any) -> list[torch.Tensor]:
    if isinstance(result, torch.Tensor):
        return [result]
    return [t for part in result for t in _flat(part)] if isinstance(result, tuple) else []


def main() -> None:
    for name in ("dnn", "pfn"):
        model, inputs, extra = _model(name)
        background = tuple(t[:64] for t in inputs)
        options: dict[str, dict[str, Any]] = {
            "lrp": {"composite": "epsilon_gamma_box"},
            "ig (zero, 32 steps)": {"method": "ig", "n_steps": 32},
            "ig (averaged K = 16)": {"method": "ig", "n_steps": 32, "averaged": True},
            "saliency": {"method": "saliency"},
            "smoothgrad": {"method": "smoothgrad", "n_samples": 8},
            "expected_gradients": {
                "method": "expected_gradients",
                "n_samples": 8,
                "averaged": True,
            },
        }
        results: dict[str, dict[str, Any]] = {}
        for device in DEVICES:
            on_model = model.to(device)
            x, e = _on(device, inputs), _on(device, extra)
            for label, raw in options.items():
                opts = dict(raw)
                method = opts.pop("method", "lrp")
                if opts.pop("averaged", False):
                    samples = _on(device, background)
                    opts["baselines"] = AveragedBaseline(
                        samples if len(samples) > 1 else samples[0]
                    )
                if method in ("smoothgrad", "expected_gradients"):
                    opts["generator"] = torch.Generator(device=device).manual_seed(0)
                try:
                    call = partial(
                        attribute,
                        on_model,
                        x if len(x) > 1 else x[0],
                        method=method,
                        additional_forward_args=e,
                        **opts,
                    )
                    out, seconds = _time(call, device)
                    results.setdefault(label, {})[device] = (
                        [t.double().cpu() for t in _flat(out)],
                        seconds,
                    )
                except Exception as exc:  # report, do not stop: this is a survey
                    results.setdefault(label, {})[device] = (
                        f"{type(exc).__name__}: {exc}".splitlines()[0],
                        traceback.format_exc(limit=-3),
                    )
        for label, by_device in results.items():
            cpu, gpu = by_device.get("cpu"), by_device.get("cuda", by_device.get("cpu"))
            if isinstance(gpu[0], str) or isinstance(cpu[0], str):
                states = [r[0] if isinstance(r[0], str) else "ok" for r in (cpu, gpu)]
                print(f"{name:4} {label:24} cpu: {states[0]} | gpu: {states[1]}")
                if isinstance(gpu[0], str):
                    print(gpu[1])
                continue
            diff = max(
                float((a - b).abs().max() / (a.abs().max() + 1e-30))
                for a, b in zip(cpu[0], gpu[0], strict=True)
            )
            ratio = gpu[1] / cpu[1]
            print(f"{name:4} {label:24} max rel diff {diff:.1e}   gpu/cpu time {ratio:.3f}")
        # training: a few epochs on the GPU
        model_t, inputs_t, extra_t = _model(name)
        target = torch.randint(
            0, 2, (ARGS.jets,), generator=torch.Generator().manual_seed(3)
        ).float()
        batches = Batches(inputs_t, extra_t, target, torch.ones(ARGS.jets))
        for device in DEVICES:
            try:
                start = time.perf_counter()
                fit(
                    model_t,
                    batches,
                    batches,
                    0,
                    2,
                    256,
                    1e-3,
                    3,
                    torch.device(device),
                    progress=False,
                )
                print(f"{name:4} train 2 epochs on {device}: {time.perf_counter() - start:.2f} s")
            except Exception as exc:
                print(
                    f"{name:4} train on {device}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
                )


#: CPU, and CUDA where PyTorch sees a device.
DEVICES = ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jets", type=int, default=2000)
    ARGS = parser.parse_args()
    main()
