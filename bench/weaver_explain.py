"""A weaver-core ParT explained from the command line's code path, side by side with jetxai's
own ``part`` of the same size: jets/s of LRP and IG, the JetClass-table metrics of the weaver
model and its per-class rankings per weaver input variable.

    python3 bench/weaver_explain.py OUT --study STUDY [--epochs E] [--jets N] [--ig-jets M]

STUDY is the output of ``bench/multiclass_study.py`` (its generated jets and its trained
``part``). The script writes the study's train (60 %) and test (last 20 %) jets of every class
as JetClass TTree files, trains the weaver ParT of ``bench/weaver/example_ParticleTransformer.py``
(jetxai's ``part`` defaults in weaver's model) on weaver's own inputs for ``bench/weaver/
JetClass_kinpid.yaml`` (built by jetxai.weaver, which equals weaver's loader) for E epochs with
AdamW, then explains, alternating, the weaver model (``explain_weaver``: what ``jetxai explain
--weaver-network`` runs) and the study's jetxai ``part`` (``explain_run``) on N test jets with
LRP and M with IG (zero baseline, 32 steps; weaver's four-vectors held), timing each whole call.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import awkward as ak
import numpy as np
import torch

from jetxai import data
from jetxai.data.jetclass import LABEL_BRANCHES, write_jetclass
from jetxai.evaluate.multiclass import multiclass_metrics
from jetxai.studies.explain import explain_run
from jetxai.weaver import explain_weaver, load_weaver_model, read_batches, read_data_config

HERE = Path(__file__).parent / "weaver"
NETWORK, CONFIG = HERE / "example_ParticleTransformer.py", HERE / "JetClass_kinpid.yaml"
CLASSES = ["qcd", "top", "w", "z", "higgs"]
PARTS = {"train": (0.0, 0.6), "test": (0.8, 1.0)}


def _files(study: Path, out: Path) -> dict[str, Path]:
    files = {}
    for part, (low, high) in PARTS.items():
        path = out / f"{part}.root"
        if not path.is_file():
            jets = []
            for process in CLASSES:
                sample = data.read(study / "generated" / process)
                jets.append(sample[int(low * len(sample)) : int(high * len(sample))])
            jets = ak.concatenate(jets)  # in a fixed random order: every class in any N jets
            write_jetclass(path, jets[np.random.default_rng(0).permutation(len(jets))])
        files[part] = path
    return files


def _train(files: dict[str, Path], out: Path, epochs: int) -> Path:
    weights = out / "weaver-part.pt"
    if weights.is_file():
        return weights
    torch.manual_seed(0)
    config = read_data_config(CONFIG)
    model = load_weaver_model(NETWORK, config).model.train()
    batches = list(read_batches(config, [files["train"]]))
    inputs = {
        n: torch.from_numpy(np.concatenate([b.inputs[n] for b in batches]))
        for n in config.input_names
    }
    labels = torch.from_numpy(np.concatenate([b.labels for b in batches]))
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    generator = torch.Generator().manual_seed(0)
    for epoch in range(epochs):
        began, total = time.perf_counter(), 0.0
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(order), 128):
            rows = order[start : start + 128]
            loss = torch.nn.functional.cross_entropy(
                model(*(inputs[n][rows] for n in config.input_names)), labels[rows]
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(rows)
        print(f"  weaver ParT epoch {epoch + 1}: loss {total / len(labels):.3f} "
              f"({len(labels) / (time.perf_counter() - began):.0f} jets/s)")  # fmt: skip
    torch.save(model.state_dict(), weights)
    return weights


def _metrics(weights: Path, test: Path) -> dict:
    config = read_data_config(CONFIG)
    model = load_weaver_model(NETWORK, config, weights).model
    (batch,) = read_batches(config, [test])
    with torch.no_grad():
        logits = model(*(torch.from_numpy(batch.inputs[n]) for n in config.input_names)).numpy()
    branches = {v: k for k, v in LABEL_BRANCHES.items()}
    present = [config.label_value.index(branches[c]) for c in CLASSES]
    labels = np.array([present.index(y) for y in batch.labels])
    return multiclass_metrics(logits[:, present], labels, CLASSES, "qcd")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--study", type=Path, required=True, help="bench/multiclass_study.py's OUT")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--jets", type=int, default=1000, help="test jets explained with LRP")
    parser.add_argument("--ig-jets", type=int, default=200, help="test jets explained with IG")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(torch.get_num_threads())
    files = _files(args.study, out)
    weights = _train(files, out, args.epochs)
    metrics = _metrics(weights, files["test"])
    print(f"weaver ParT ({args.epochs} epochs): accuracy {metrics['accuracy']:.3f}, macro AUC "
          f"{metrics['auc']:.4f}; rejections at ε_S = 0.5: " + ", ".join(
              f"{c} {'≥ ' if e['is_lower_bound'] else ''}{e['rejection']:.1f}"
              for c, e in metrics["per_class"].items() if "rejection" in e))  # fmt: skip
    run = args.study / "runs" / "part" / "seed-0"
    datasets = [args.study / "data" / p for p in ("train", "val", "test")]
    rows = []
    for method, jets, extra in (
        ("lrp", args.jets, {}),
        ("ig", args.ig_jets, {"baseline": "zero", "n_steps": 32}),
    ):
        hold = ("pf_vectors",) if method == "ig" else ()
        began = time.perf_counter()
        explain_weaver(NETWORK, CONFIG, [files["test"]], out / f"weaver-{method}", weights,
                       method=method, target="Tbqq", max_jets=jets, hold=hold, progress=False,
                       **extra)  # fmt: skip
        middle = time.perf_counter()
        explain_run(run, datasets, out / f"jetxai-{method}", method=method, target="top",
                    max_jets=jets, progress=False, **extra)  # fmt: skip
        end = time.perf_counter()
        rows.append((method, jets, jets / (middle - began), jets / (end - middle)))
    print("\n| method | jets | weaver ParT (jets/s) | jetxai part (jets/s) | weaver / jetxai |")
    print("|---|---|---|---|---|")
    for method, jets, weaver_rate, jetxai_rate in rows:
        print(f"| {method} | {jets} | {weaver_rate:.0f} | {jetxai_rate:.0f} | "
              f"{weaver_rate / jetxai_rate:.2f} |")  # fmt: skip
    # every class's logit, LRP and IG, rankings per weaver variable
    print("\n| class | LRP: leading weaver inputs | IG: leading weaver inputs |")
    print("|---|---|---|")
    explain_weaver(NETWORK, CONFIG, [files["test"]], out / "per-class-lrp", weights,
                   max_jets=args.jets, progress=False)  # fmt: skip
    explain_weaver(NETWORK, CONFIG, [files["test"]], out / "per-class-ig", weights, method="ig",
                   baseline="zero", n_steps=32, max_jets=args.ig_jets, hold=("pf_vectors",),
                   progress=False)  # fmt: skip
    branches = {v: k.removeprefix("label_") for k, v in LABEL_BRANCHES.items()}
    for process in CLASSES:
        name = branches[process]
        cells = []
        for method in ("lrp", "ig"):
            ranking = json.loads((out / f"per-class-{method}" / name / "ranking.json").read_text())
            top = ranking["ranking"][name][:4]
            cells.append(
                ", ".join(f"{e['variable'].split('.')[-1]} ({e['share']:.2f})" for e in top)
            )
        print(f"| {name} | {cells[0]} | {cells[1]} |")
    from jetxai.report import build_report

    print(f"\npages: {build_report(out / 'per-class-lrp')}, {build_report(out / 'per-class-ig')}")


if __name__ == "__main__":
    main()
