"""``jetxai train``: train a seed ensemble of taggers and write metrics.json + checkpoints."""

from __future__ import annotations

import argparse

from jetxai.cli._parser import comma_list, counted, path_text

NAME = "train"
HELP = "train taggers over several seeds"

EXAMPLES = """examples:
  jetxai train --data data/top --data data/qcd --model dnn --xaug mass,tau32,d2 --out runs/dnn
  jetxai train --data data/top --data data/qcd --model pfn --xaug mass,tau32 --out runs/pfn-xaug
  jetxai train --config train.yaml --out runs/cnn      # any option from a YAML mapping
  jetxai train --data data/vlq --data data/ttbar --model dnn --out runs/events  # event features
  jetxai train --data data/toplandscape --model part --nproc 2 --out runs/part  # 2 processes
  torchrun --nproc-per-node 4 -m jetxai train --data data/jetclass --model part --out runs/p
"""

# flag name → TrainConfig field, for options that may also come from YAML
_FLAGS = {
    "model": "model",
    "seeds": "seeds",
    "first_seed": "first_seed",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "lr": "learning_rate",
    "patience": "patience",
    "n_constituents": "n_constituents",
    "image_bins": "image_bins",
    "device": "device",
    "precision": "precision",
    "nproc": "nproc",
    "preset": "preset",
}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from jetxai.models import MODELS

    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=(
            "Train --seeds networks (different initialisation and shuffling, same split) on the "
            "datasets given with --data; signal is every process but qcd/gluon unless --signal "
            "says otherwise. Metrics are mean ± std over seeds. Jets are streamed from the "
            "dataset files (memory does not grow with their number); an interrupted run resumes "
            "from its last saved state when the same command is run again."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", action="append", help="dataset directory (repeatable)")
    parser.add_argument("--out", type=path_text, required=True, help="output directory")
    parser.add_argument("--config", help="YAML file of training options")
    parser.add_argument("--model", choices=list(MODELS))
    parser.add_argument(
        "--preset",
        help="a named option set of the model: paper (particlenet: the published network, as "
        "weaver-core builds it; recorded in the checkpoint's options)",
    )
    parser.add_argument(
        "--xaug",
        help="comma-separated XAUG variables for the XAUG branch (dnn on event datasets: "
        "event features, default all)",
    )
    parser.add_argument("--signal", help="comma-separated processes counted as signal")
    parser.add_argument(
        "--classes",
        help="comma-separated processes of a multi-class tagger (one softmax logit each), or "
        "'all' for every process in the data; jets of other processes are left out",
    )
    parser.add_argument("--seeds", type=counted(1000), help="networks to train (default 3)")
    parser.add_argument("--first-seed", type=int, help="first seed (default 0)")
    parser.add_argument("--epochs", type=counted(10**6), help="maximum epochs (default 30)")
    parser.add_argument("--batch-size", type=counted(10**7), help="default 256")
    parser.add_argument("--lr", type=float, help="Adam learning rate (default 1e-3)")
    parser.add_argument(
        "--patience", type=counted(10**6), help="early-stopping patience (default 5)"
    )
    parser.add_argument(
        "--n-constituents", type=counted(10**4), help="constituents per jet (default 64)"
    )
    parser.add_argument("--image-bins", type=counted(1024), help="jet-image size (default 32)")
    parser.add_argument(
        "--features",
        help="comma-separated per-constituent features (default: the model's, without those "
        "needing particle identity when the data carry none)",
    )
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"])
    from jetxai.train.loop import PRECISIONS

    parser.add_argument(
        "--precision", choices=list(PRECISIONS), help="fp32 (default) or bf16 autocast"
    )
    parser.add_argument(
        "--nproc",
        type=counted(1024),
        help="local training processes (DistributedDataParallel; gloo on CPU, nccl on GPUs)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    from jetxai.errors import InputError
    from jetxai.train import TrainConfig, read_yaml, train

    options = read_yaml(args.config) if args.config else {}
    datasets = args.data or options.pop("data", None)
    options.pop("data", None)
    if not datasets:
        raise InputError("give the datasets with --data (or 'data:' in the config)")
    for flag, name in _FLAGS.items():
        if getattr(args, flag) is not None:
            options[name] = getattr(args, flag)
    lists = {"xaug": "xaug", "signal": "signal", "classes": "classes"}
    for flag, name in (lists | {"features": "constituent_fields"}).items():
        if getattr(args, flag) is not None:
            options[name] = comma_list(getattr(args, flag))
    metrics = train(TrainConfig.from_dict(options), datasets, args.out, progress=not args.quiet)
    if not metrics:  # one of several processes (torchrun): the first one reports
        return
    from jetxai.evaluate.seeds import plus_minus

    if "classes" in metrics:
        from jetxai.evaluate.multiclass import summary_line

        print(
            f"{metrics['model']} on {len(metrics['classes'])} classes: {summary_line(metrics)} "
            f"over {len(metrics['auc']['values'])} seeds -> {args.out}/metrics.json"
        )
        return
    auc, rej = metrics["auc"], metrics["rejection_0.5"]
    if metrics["model"] == "dnn":
        what = "event features" if metrics["data"]["kind"] == "events" else "XAUG variables"
        name = f"dnn on {len(metrics['xaug'])} {what}"
    else:
        name = f"{metrics['model']}{' + XAUG' if metrics['xaug'] else ''}"
    print(
        f"{name}: AUC {plus_minus(auc, 4)}, 1/eps_B(0.5) {plus_minus(rej, 1)} over "
        f"{len(auc['values'])} seeds -> {args.out}/metrics.json"
    )
