"""``advseg baseline``: the Ilastik-style pixel classifier or the classical watershed, trained like advseg train."""

from __future__ import annotations

import argparse
from pathlib import Path

from advseg.cli.options import output_path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from advseg.evaluation.postprocess import POSTPROCESSORS

    parser = subparsers.add_parser("baseline", help="train a baseline on N annotated images and segment the evaluation images")
    parser.add_argument("method", choices=["ilastik-style", "watershed", "cellpose-scratch"],
                        help="the baseline (cellpose-scratch needs Cellpose 3: pip install --no-deps -r requirements-peer.txt)")
    parser.add_argument("data", help="'synthetic-h1299' (or '-v1', '-v2': a generator version) or a data set folder")
    parser.add_argument("--n-train", type=int, required=True, help="annotated images to train on")
    parser.add_argument("--out", type=output_path, required=True, help="output folder (labels/, metrics.json)")
    parser.add_argument("--seed", type=int, default=0, help="default 0")
    parser.add_argument("--postprocess", choices=sorted(POSTPROCESSORS), default="paper",
                        help="post-processing of the Ilastik-style probabilities (default paper)")
    parser.add_argument("--overwrite", action="store_true", help="write into a non-empty --out")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from advseg.baselines.runner import run_baseline

    metrics = run_baseline(args.method, args.data, n_train=args.n_train, out=args.out, seed=args.seed,
                           method=args.postprocess, overwrite=args.overwrite)
    e = metrics["evaluation"]
    print(f"{args.method} on {metrics['n_evaluation']} evaluation images: paper F {e['paper']['f']:.3f}, "
          f"F1@0.5 {e['f1']:.3f}, SEG {e['seg']:.3f} (train {metrics['train_seconds']:.1f} s, predict {metrics['predict_seconds']:.1f} s)")
    print(f"wrote {args.out / 'metrics.json'}")
    return 0
