"""``jetxai evaluate``: tagging metrics of trained checkpoints on their test split."""

from __future__ import annotations

import argparse

from jetxai.cli._parser import path_text

NAME = "evaluate"
HELP = "tagging metrics (AUC, background rejection) of trained checkpoints"

EXAMPLES = """examples:
  jetxai evaluate --model runs/pfn-xaug --data data/top --data data/qcd --out eval/pfn-xaug
  jetxai evaluate --model runs/dnn/seed-0 --data data/top --data data/qcd
  jetxai evaluate --model runs/pfn --data data/top --data data/qcd --predictions pfn.parquet
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=(
            "Score a checkpoint, or every seed of a training run, on the test split recorded in "
            "it: AUC, 1/eps_B at eps_S = 0.3 and 0.5 and accuracy, per seed and as mean ± std."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", required=True, help="checkpoint or training output directory")
    parser.add_argument("--data", required=True, action="append", help="dataset (repeatable)")
    parser.add_argument("--out", type=path_text, help="write metrics.json here")
    parser.add_argument(
        "--predictions",
        type=path_text,
        help="also write every test jet's score per checkpoint to this Parquet file (seed, "
        "test_row, dataset, dataset_row, process, label, split, weight, logit, score; a "
        "multi-class tagger's logit_<class> and score_<class>)",
    )
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    from jetxai.evaluate.seeds import plus_minus
    from jetxai.studies.performance import evaluate_run

    result = evaluate_run(args.model, args.data, args.out, predictions=args.predictions)
    if "classes" in result:
        from jetxai.evaluate.multiclass import summary_line

        print(f"{summary_line(result)} over {len(result['auc']['values'])} checkpoint(s)")
        return
    auc, rej = result["auc"], result["rejection_0.5"]
    print(
        f"AUC {plus_minus(auc, 4)}, 1/eps_B(0.5) {plus_minus(rej, 1)} "
        f"over {len(auc['values'])} checkpoint(s)"
    )
