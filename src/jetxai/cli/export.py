"""``jetxai export``: a trained tagger as an ONNX file."""

from __future__ import annotations

import argparse

from jetxai.cli._parser import path_text

NAME = "export"
HELP = "write a trained tagger as an ONNX file"

EXAMPLES = """examples:
  jetxai export runs/part/seed-0 --onnx part.onnx   # one checkpoint
  jetxai export runs/part --onnx part.onnx          # every seed: part-seed-<k>.onnx
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
            "Runtime against PyTorch before it is kept."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "checkpoint", metavar="RUN", type=path_text, help="checkpoint or training output directory"
    )
    parser.add_argument("--onnx", type=path_text, required=True, help="ONNX file to write")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    from jetxai.export.onnx import export_run

    for path in export_run(args.checkpoint, args.onnx):
        print(f"wrote {path}")
