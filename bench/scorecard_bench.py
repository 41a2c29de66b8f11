"""Baseline scorecards: do averaged background baselines beat the zero baseline?

Run from the repository root:

    python3 bench/scorecard_bench.py synthetic          # tasks with known relevant features
    python3 bench/scorecard_bench.py tagger             # the XAUG dnn of bench/train_bench.py

Synthetic tasks: 10 standardised features, 3 informative: ``shift`` moves them by +1 for signal,
``deviation`` widens them (informative only through |x - mean|). A dense net is trained on each.
"""

from __future__ import annotations

import argparse

import torch
from torch import nn

from jetxai.evaluate.attribution_quality import synthetic_task
from jetxai.evaluate.scorecard import format_scorecard, scorecard


def trained_net(x: torch.Tensor, y: torch.Tensor, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(x.shape[1], 64),
        nn.ReLU(),
        nn.Linear(64, 64),
        nn.ReLU(),
        nn.Linear(64, 1),
        nn.Flatten(0),
    )
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    for _epoch in range(30):
        for batch in torch.randperm(len(x), generator=generator).split(256):
            optimiser.zero_grad()
            nn.functional.binary_cross_entropy_with_logits(model(x[batch]), y[batch]).backward()
            optimiser.step()
    return model.eval()


def synthetic(args: argparse.Namespace) -> None:
    for kind in ("shift", "deviation"):
        x, y, relevant = synthetic_task(kind, 20_000, n_features=10, informative=3, seed=1)
        model = trained_net(x[:16_000], y[:16_000], seed=0)
        test_x, test_y = x[16_000:], y[16_000:]
        with torch.no_grad():
            accuracy = float(((model(test_x) > 0).float() == test_y).float().mean())
        rows = scorecard(
            model,
            test_x[test_y == 1][: args.examples],
            x[:16_000][y[:16_000] == 0],
            relevant=relevant,
            n_steps=args.steps,
            k=args.k,
        )
        print(
            f"\n### synthetic task '{kind}' (test accuracy {accuracy:.3f}; "
            f"signal examples explained: {args.examples}; relevant features 0-2 of 10)\n"
        )
        print(format_scorecard(rows))


def tagger(args: argparse.Namespace) -> None:
    from jetxai.studies.explain import explain_run

    report = explain_run(
        args.run,
        args.data,
        args.out,
        method="ig",
        max_jets=args.examples,
        progress=False,
        baseline="averaged",
        weights="xsec",
        k=args.k,
        n_steps=args.steps,
    )
    for seed in report["seeds"]:
        print(f"\n### top vs QCD XAUG dnn, {seed['checkpoint']}\n")
        print(format_scorecard(seed["scorecard"]))
        names = report["seeds"][0]["ranking"]["order"]
        print(f"IG (averaged, xsec) ranking: {', '.join(names[:8])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--k", type=int, default=16)
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("synthetic").set_defaults(func=synthetic)
    p = sub.add_parser("tagger")
    p.add_argument("--run", default="bench-data/runs/dnn+xaug/seed-0")
    p.add_argument(
        "--data", nargs=2, default=["bench-data/top-20000-100", "bench-data/qcd-20000-101"]
    )
    p.add_argument("--out", default="bench-data/scorecard")
    p.set_defaults(func=tagger)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
