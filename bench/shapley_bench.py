"""Exact Shapley values of the demo dnn's XAUG inputs: jetxai's ``shapley`` against the ``shap``
package's exact explainer, same model, jets and background, side by side in one run.

    python3 bench/shapley_bench.py [--jets N] [--background K] [--features D] [--threads T]

The model is jetxai's ``dnn`` with its default size on the first D of the demo's XAUG variables
(weights as built: the cost does not depend on training); jets and background jets are standard
normal draws (the XAUG inputs are standardised), the background uniform-weighted (``shap``'s
Independent masker takes no weights). Prints jets/s of both, their ratio and the largest
difference of the values.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from jetxai.explain import AveragedBaseline, shapley
from jetxai.models import build, default_spec
from jetxai.studies.demo import DEMO_XAUG


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jets", type=int, default=40)
    parser.add_argument("--background", type=int, default=64)
    parser.add_argument(
        "--features", type=int, default=len(DEMO_XAUG), help=f"at most {len(DEMO_XAUG)}"
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import shap

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build(default_spec("dnn", DEMO_XAUG[: args.features])).eval()
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(args.jets, args.features, generator=generator)
    background = torch.randn(args.background, args.features, generator=generator)

    baseline = AveragedBaseline(background)
    shapley(model, x[:2], baselines=baseline)  # warm-up, as for shap below
    began = time.perf_counter()
    ours = shapley(model, x, baselines=baseline)
    ours_s = time.perf_counter() - began

    def f(z: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(np.asarray(z, dtype=np.float32))).double().numpy()

    masker = shap.maskers.Independent(background.numpy(), max_samples=args.background)
    explainer = shap.explainers.Exact(f, masker)
    explainer(x[:2].numpy())  # warm-up: shap compiles its coalition code on the first call
    began = time.perf_counter()
    reference = explainer(x.numpy()).values
    shap_s = time.perf_counter() - began
    worst = float(np.max(np.abs(ours.double().numpy() - reference)))
    sizes = f"K = {args.background} background jets, {args.jets} jets"
    print(f"D = {args.features} features (2^D = {2**args.features} coalitions), {sizes}, "
          f"{args.threads} thread(s)")  # fmt: skip
    print("| | jets/s |\n|---|---|")
    print(f"| jetxai shapley | {args.jets / ours_s:.1f} |")
    print(f"| shap Exact | {args.jets / shap_s:.1f} |")
    print(f"ratio jetxai / shap: {shap_s / ours_s:.1f}; largest |difference|: {worst:.1e}")


if __name__ == "__main__":
    main()
