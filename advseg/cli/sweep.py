"""``advseg sweep``: the Table 1 grid (data sets x methods x N_train x seeds), resumable."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from advseg.experiment.grid import DATASETS, TABLE_METHODS
    from advseg.training.methods import METHODS

    parser = subparsers.add_parser(
        "sweep", help="run the Table 1 grid; finished cells (with a result file) are skipped",
        description="Run every (data set, method, N_train, seed) cell without a result file: estimators through "
        "papermill book/train.ipynb, baselines through advseg baseline. Run from the repository root.")
    parser.add_argument("--data", nargs="+", default=list(DATASETS), help=f"data sets (default: {' '.join(DATASETS)})")
    parser.add_argument("--methods", nargs="+", default=list(TABLE_METHODS), choices=sorted(METHODS), metavar="METHOD",
                        help=f"among {', '.join(METHODS)} (default: {' '.join(TABLE_METHODS)})")
    parser.add_argument("--n-train", nargs="+", type=int, default=[1, 2, 4, 11], help="default: 1 2 4 11")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="default: 0 1 2")
    parser.add_argument("--preset", choices=["auto", "cpu", "paper"], default="auto",
                        help="estimator preset (default auto: paper on a CUDA GPU, cpu otherwise)")
    parser.add_argument("--results", type=Path, default=Path("results/sweep"), help="result files (default results/sweep)")
    parser.add_argument("--runs", type=Path, default=Path("runs/sweep"), help="run folders (default runs/sweep)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time, sharing the cores (default 1)")
    parser.add_argument("--force", action="store_true", help="run the cells again even if they have results")
    parser.add_argument("--dry-run", action="store_true", help="list the cells and their commands, run nothing")
    parser.add_argument("--previews-only", action="store_true",
                        help="run nothing; write the missing previews of finished seed-0 cells from their run folders")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import shlex

    from advseg.experiment.grid import grid
    from advseg.experiment.sweep import cell_command, is_done, run_sweep

    preset = args.preset
    if preset == "auto":
        import torch

        preset = "paper" if torch.cuda.is_available() else "cpu"
    cells = grid(data=args.data, methods=args.methods, n_train=args.n_train, seeds=args.seeds, preset=preset)
    if args.previews_only:
        from advseg.experiment.previews import preview_path, write_preview

        for cell in cells:
            if cell.seed == 0 and is_done(cell, results=args.results) and not preview_path(cell, results=args.results).is_file():
                print(f"preview: {write_preview(cell, runs=args.runs, results=args.results)}")
        return 0
    if args.dry_run:
        for cell in cells:
            state = "done" if is_done(cell, results=args.results) else "todo"
            print(f"{state}  {cell.result_path(args.results)}\n      {shlex.join(cell_command(cell, runs=args.runs))}")
        return 0
    report = run_sweep(cells, results=args.results, runs=args.runs, jobs=args.jobs, force=args.force)
    print(f"{len(report.done)} run, {len(report.skipped)} already done, {len(report.failed)} failed; results in {args.results}")
    for cell, reason in report.failed:
        print(f"failed: {cell.data} {cell.method} {cell.name}: {reason.splitlines()[0]}")
    return 1 if report.failed else 0
