"""``jetxai import``: public benchmark data as a jetxai dataset."""

from __future__ import annotations

import argparse

from jetxai.cli._parser import counted, path_text

NAME = "import"
HELP = "import public data (Top Landscape, JetClass, EnergyFlow q/g) as a jetxai dataset"

EXAMPLES = """examples:
  jetxai import top-landscape train.h5 val.h5 test.h5 --out data/toplandscape
  jetxai import jetclass JetClass/train_100M/*.root --split train --out data/jetclass-train
  jetxai import energyflow-qg QG_jets.npz --out data/qg
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from jetxai.data.imports import FORMATS, SPLIT_CODES

    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=(
            "Read published files and write a jetxai dataset (Parquet chunks + manifest with "
            "the source files' content hashes). The official train/validation/test split is "
            "kept per jet: Top Landscape files carry it (ttv); for formats whose files are one "
            "part of a split each (JetClass), say which with --split. Training and evaluation "
            "then use it. Files are imported one at a time; re-running resumes."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("format", choices=FORMATS.names(), help="the files' format")
    parser.add_argument("files", nargs="+", help="the published files")
    parser.add_argument("--out", type=path_text, required=True, help="output dataset directory")
    parser.add_argument(
        "--split", choices=list(SPLIT_CODES), help="the official part these files are"
    )
    parser.add_argument(
        "--chunk-size", type=counted(10**7), default=10_000, help="jets per chunk file"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    from jetxai.data.imports import import_dataset

    manifest = import_dataset(
        args.format,
        args.files,
        args.out,
        split=args.split,
        chunk_size=args.chunk_size,
        progress=not args.quiet,
    )
    split = "with the official split" if manifest["official_split"] else "no official split"
    print(
        f"{args.out}: {manifest['jets_kept']} jets from {len(manifest['sources'])} file(s), {split}"
    )
    dropped = manifest["dropped"]
    if dropped["no_constituent_with_positive_energy"] or dropped["negative_energy_constituents"]:
        print(
            f"{args.out}: dropped {dropped['no_constituent_with_positive_energy']} jet(s) with no "
            f"constituent of positive energy and {dropped['negative_energy_constituents']} "
            "constituent(s) with negative energy (E <= 0 is no particle); the manifest records it"
        )
