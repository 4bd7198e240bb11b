"""``advseg evaluate``: score predicted label images against ground truth."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="score predicted labels against ground truth (paper, CTC SEG, matching)")
    parser.add_argument("gt", type=Path, help="ground-truth labels: a folder, a data set (uses masks/) or a CTC layout")
    parser.add_argument("pred", type=Path, help="predicted labels: a folder (e.g. advseg segment's output) or CTC XX_RES")
    parser.add_argument("--protocol", choices=["paper", "ctc", "matching", "all"], default="all", help="what to print (default all)")
    parser.add_argument("--margin", type=int, default=0, help="pixels the paper protocol crops per side (10 to mimic its VALID output)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--binary-masks", action="store_true",
                        help="masks are binary (0/255): label their connected regions as nuclei (refused otherwise)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from advseg.evaluation.scoring import evaluate_folders

    evaluation = evaluate_folders(args.gt, args.pred, margin=args.margin, binary_masks=args.binary_masks)
    if args.json:
        print(json.dumps(evaluation.to_dict()))
        return 0
    lines = evaluation.table().splitlines()
    keep = {"paper": (0, 1), "ctc": (0, 2), "matching": (0, *range(3, len(lines)))}.get(args.protocol, range(len(lines)))
    print("\n".join(lines[i] for i in keep))
    return 0
