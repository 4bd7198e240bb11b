"""``advseg sweep-cell``: run one cell of the Table 1 grid and write its result file (what each Snakemake job runs)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from advseg.training.methods import METHODS
    from advseg.training.presets import PRESETS

    parser = subparsers.add_parser(
        "sweep-cell", help="run one cell of the grid and write its result file (workflow/Snakefile runs this)",
        description="Run one (data set, method, N_train, seed, preset) cell from the repository root: estimators "
        "through papermill book/train.ipynb, baselines through advseg baseline. The result file "
        "<results>/<preset>/<data>/<method>/n<N>-s<seed>.json is written last, so a failed cell leaves none.")
    parser.add_argument("data", help="synthetic-h1299 (its newest version; or synthetic-h1299-v1, -v2), dsb2018 or a data set folder")
    parser.add_argument("method", choices=sorted(METHODS), metavar="METHOD", help=f"among {', '.join(METHODS)}")
    parser.add_argument("--n-train", type=int, required=True, help="annotated training images")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu", help="estimator preset (default cpu)")
    parser.add_argument("--results", type=Path, default=Path("results/sweep"), help="result files (default results/sweep)")
    parser.add_argument("--runs", type=Path, default=Path("runs/sweep"), help="run folders (default runs/sweep)")
    parser.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS of the run (default: unset)")
    parser.add_argument("--preview", action="store_true", help="also write the cell's preview beside its result file")
    parser.add_argument("--rescore-of", metavar="METHOD", choices=sorted(METHODS), default=None,
                        help="do not train: score the model of METHOD's cell (same data, N_train, seed, preset; a method "
                        "that trains the same model) with this method's post-processing")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from advseg.data.embedded import canonical_data
    from advseg.experiment.grid import Cell
    from advseg.experiment.rescore import rescore_cell
    from advseg.experiment.sweep import run_cell

    cell = Cell(seed=args.seed, data=canonical_data(args.data), n_train=args.n_train, method=args.method, preset=args.preset)
    try:
        if args.rescore_of:
            result = rescore_cell(cell, source_method=args.rescore_of, results=args.results, runs=args.runs,
                                  preview=args.preview)
        else:
            result = run_cell(cell, results=args.results, runs=args.runs, threads=args.threads, preview=args.preview)
    except (RuntimeError, ValueError, FileNotFoundError) as error:
        print(f"advseg sweep-cell: {error}", file=sys.stderr)
        return 1
    e = result["evaluation"]
    print(f"{cell.data} {cell.method} {cell.name}: paper F {e['paper']['f']:.3f}, F1@0.5 {e['f1']:.3f}, "
          f"SEG {e['seg']:.3f} ({result['wall_seconds']:.0f} s) -> {cell.result_path(args.results)}")
    return 0
