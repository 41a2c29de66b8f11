"""``jetxai export``: a trained tagger as an ONNX file."""

from __future__ import annotations

import argparse

from jetxai.cli._parser import path_text

NAME = "export"
HELP = "write a trained tagger as an ONNX file"

EXAMPLES = """examples:
  jetxai export runs/part/seed-0 --onnx part.onnx   # one checkpoint
  jetxai export runs/part --onnx part.onnx          # every seed: part-seed-<k>.onnx
  jetxai export --weaver-network networks/example_ParticleTransformer.py \\
                --data-config data/JetClass/JetClass_full.yaml \\
                --model-weights training/ParT/net_best_epoch_state.pt \\
                --data JetClass/val_5M/HToBB_120.root --onnx part.onnx   # a weaver model
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=(
            "Write the checkpoint RUN (or every seed of the training run RUN) as ONNX: inputs "
            "constituents (batch, particles, features), images (batch, 1, bins, bins), xaug "
            "(batch, XAUG variables) and mask (batch, particles; boolean, real particles "
            "first), as the tagger has them, standardised as in training (the spec, "
            "standardisation included, is in the file's jetxai_spec metadata); batch and "
            "particle count are dynamic; output logit (batch), or (batch, classes) for a "
            "multi-class tagger. Each file is checked in ONNX "
            "Runtime against PyTorch before it is kept. A weaver-core model (--weaver-network, "
            "--data-config, --model-weights) is exported as weaver exports it (for_inference, "
            "the data config's input names), checked on the first jets of --data."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "checkpoint",
        metavar="RUN",
        type=path_text,
        nargs="?",
        help="checkpoint or training output directory",
    )
    parser.add_argument("--onnx", type=path_text, required=True, help="ONNX file to write")
    weaver = parser.add_argument_group("weaver-core models (in place of RUN)")
    weaver.add_argument(
        "--weaver-network",
        type=path_text,
        help="weaver network file (your own Python code, run as weaver runs it)",
    )
    weaver.add_argument("--data-config", type=path_text, help="weaver data config (YAML)")
    weaver.add_argument(
        "--model-weights", type=path_text, help="weights (state dict), loaded as tensors only"
    )
    weaver.add_argument(
        "--data", nargs="+", default=[], help="ROOT or Parquet files the export is checked on"
    )
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    from jetxai.errors import InputError
    from jetxai.export.onnx import export_run

    weaver = (args.weaver_network, args.data_config)
    if args.checkpoint is not None and any(weaver):
        raise InputError("give RUN (a jetxai run) or --weaver-network (a weaver model), not both")
    if args.checkpoint is None:
        if not all(weaver) or not args.data:
            raise InputError(
                "give RUN, or --weaver-network with --data-config and --data (the jets the "
                "export is checked on)"
            )
        from jetxai.export.weaver import export_weaver

        path, worst = export_weaver(
            args.weaver_network, args.data_config, args.data, args.onnx, args.model_weights
        )
        print(f"wrote {path} (ONNX Runtime vs PyTorch: largest relative difference {worst:.1e})")
        return

    for path in export_run(args.checkpoint, args.onnx):
        print(f"wrote {path}")
