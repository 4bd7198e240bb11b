"""``advseg sweep``: the Table 1 grid through Snakemake (``workflow/Snakefile``), with the flags it always had."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from advseg.experiment.grid import DATASETS, TABLE_METHODS
    from advseg.training.methods import METHODS
    from advseg.training.presets import PRESETS

    parser = subparsers.add_parser(
        "sweep", help="run the Table 1 grid through Snakemake; cells with a result file are done",
        description="Run every cell without a result file through the Snakemake workflow (workflow/Snakefile), "
        "from the repository root: estimators through papermill book/train.ipynb, baselines through advseg "
        "baseline. Without grid flags (--data, --methods, --n-train, --seeds, --preset) the grids of "
        "workflow/config.yaml, as `snakemake --cores N`; with any, one grid of those flags and the defaults below. "
        "On a cluster use `snakemake --profile workflow/profiles/slurm` (README).")
    grid = parser.add_argument_group("one grid instead of workflow/config.yaml's")
    grid.add_argument("--data", nargs="+", help=f"data sets (default: {' '.join(DATASETS)})")
    grid.add_argument("--methods", nargs="+", choices=sorted(METHODS), metavar="METHOD",
                      help=f"among {', '.join(METHODS)} (default: {' '.join(TABLE_METHODS)})")
    grid.add_argument("--n-train", nargs="+", type=int, help="default: 1 2 4 11")
    grid.add_argument("--seeds", nargs="+", type=int, help="default: 0 1 2")
    grid.add_argument("--preset", choices=["auto", *sorted(PRESETS)],
                      help="estimator preset (default auto: paper on a CUDA GPU, cpu otherwise)")
    parser.add_argument("--results", type=Path, help="result files (default results/sweep)")
    parser.add_argument("--runs", type=Path, help="run folders (default runs/sweep)")
    parser.add_argument("--jobs", type=int, default=1, help="CPU cores the cells share, one per cell (snakemake --cores; default 1)")
    parser.add_argument("--gpus", type=int, default=None,
                        help="estimator cells on the GPU at once (snakemake --resources gpu=N; default unlimited)")
    parser.add_argument("--force", action="store_true", help="run the cells again even if they have results")
    parser.add_argument("--dry-run", action="store_true", help="list every cell's state and what would run (snakemake -n)")
    parser.add_argument("--previews-only", action="store_true",
                        help="run nothing; write the missing previews of finished seed-0 cells from their run folders")
    parser.set_defaults(handler=run)


def _config(args: argparse.Namespace) -> dict:
    """The keys of workflow/config.yaml the flags replace."""
    from advseg.experiment.grid import DATASETS, TABLE_METHODS

    config: dict = {key: str(getattr(args, key)) for key in ("results", "runs") if getattr(args, key) is not None}
    if all(getattr(args, key) is None for key in ("data", "methods", "n_train", "seeds", "preset")):
        return config
    preset = args.preset or "auto"
    if preset == "auto":
        import torch

        preset = "paper" if torch.cuda.is_available() else "cpu"
    return config | {"grids": [{
        "name": "advseg-sweep", "preset": preset, "data": args.data or list(DATASETS),
        "methods": args.methods or list(TABLE_METHODS), "n_train": args.n_train or [1, 2, 4, 11],
        "seeds": args.seeds if args.seeds is not None else [0, 1, 2]}]}


def run(args: argparse.Namespace) -> int:
    from advseg.experiment.workflow import configured_cells, load_config, run_workflow

    config = _config(args)
    if args.previews_only:
        from advseg.experiment.previews import preview_path, write_preview
        from advseg.experiment.sweep import is_done

        merged = load_config() | config
        for cell in configured_cells(merged):
            results, runs = merged["results"], merged["runs"]
            if cell.seed == 0 and is_done(cell, results=results) and not preview_path(cell, results=results).is_file():
                print(f"preview: {write_preview(cell, runs=runs, results=results)}")
        return 0
    ok = run_workflow(config, cores=args.jobs, gpus=args.gpus, force=args.force, dry_run=args.dry_run)
    return 0 if ok else 1
