"""The Table 1 experiment as a resumable grid of runs, each leaving one small result file.

A *cell* is one (data set, method, N_train, seed, preset). An estimator cell
runs ``book/train.ipynb`` through papermill; a baseline cell runs
``advseg baseline``. When a run finishes, its metrics, the exact command,
the commit, the device and the wall time go into
``<results>/<preset>/<data>/<method>/n<N>-s<seed>.json``: a cell whose file
exists is done, so a sweep stopped at any point picks up where it was (a cell
that was running is started again from scratch). The run folders
(notebook, model, history) go under ``<runs>`` and are not committed.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from advseg.data.paths import repository_root
from advseg.experiment.grid import VALIDATION_IMAGES, Cell
from advseg.experiment.previews import write_preview
from advseg.training.methods import METHODS
from advseg.training.runs import git_commit

__all__ = ["SweepReport", "cell_command", "is_done", "regenerate_command", "run_cell", "run_sweep"]


def cell_command(cell: Cell, *, runs: str | os.PathLike, validation_images: int = VALIDATION_IMAGES) -> list[str]:
    """The command that runs ``cell``, from the repository root (argv, program first)."""
    method = METHODS[cell.method]
    run_dir = str(cell.run_dir(runs))
    if not method.is_estimator:
        return ["advseg", "baseline", method.baseline, cell.data, "--n-train", str(cell.n_train), "--seed", str(cell.seed),
                "--postprocess", method.postprocess, "--out", run_dir, "--overwrite"]
    parameters = {
        "n_train": cell.n_train, "loss": method.loss, "preset": cell.preset, "iterations": None, "batch_size": None,
        "seed": cell.seed, "dataset": cell.data, "device": "auto", "output_dir": run_dir,
        "evaluate_images": None, "validation_images": validation_images, "postprocess": method.postprocess,
    }
    command = ["papermill", "book/train.ipynb", f"{run_dir}/train.ipynb", "--log-output", "--no-progress-bar"]
    for key, value in parameters.items():
        command += ["-p", key, "None" if value is None else str(value)]
    if method.options:
        command += ["-y", json.dumps({"options": dict(method.options)})]
    return command


def regenerate_command(cell: Cell) -> str:
    """The ``advseg sweep`` line that runs this one cell again."""
    return (f"advseg sweep --data {shlex.quote(cell.data)} --methods {cell.method} --n-train {cell.n_train} "
            f"--seeds {cell.seed} --preset {cell.preset} --force")


def is_done(cell: Cell, *, results: str | os.PathLike) -> bool:
    """Whether ``cell`` has a complete result file."""
    path = cell.result_path(results)
    try:
        return "evaluation" in json.loads(path.read_text())
    except (OSError, ValueError):
        return False


def _program(argv: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", argv[0], *argv[1:]]


def run_cell(cell: Cell, *, results: str | os.PathLike, runs: str | os.PathLike, threads: int | None = None) -> dict[str, Any]:
    """Run one cell from the repository root and write its result file.

    Raises
    ------
    RuntimeError
        If the run fails; the message ends with the tail of its log
        (``<run folder>/log.txt``).
    """
    root = repository_root()
    argv = cell_command(cell, runs=runs)
    run_dir = root / cell.run_dir(runs)
    run_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ) | ({"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)} if threads else {})
    started, start = time.strftime("%Y-%m-%dT%H:%M:%S%z"), time.perf_counter()
    log_path = run_dir / "log.txt"
    with log_path.open("w") as log:
        code = subprocess.run(_program(argv), cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - start
    metrics_path = run_dir / "metrics.json"
    if code != 0 or not metrics_path.is_file():
        tail = "".join(log_path.read_text(errors="replace").splitlines(keepends=True)[-15:])
        raise RuntimeError(f"{cell.result_path('')}: {argv[0]} exited with {code}; last lines of {log_path}:\n{tail}")
    metrics = json.loads(metrics_path.read_text())
    run_info = json.loads((run_dir / "run.json").read_text()) if (run_dir / "run.json").is_file() else metrics
    result = {
        "cell": {"data": cell.data, "method": cell.method, "n_train": cell.n_train, "seed": cell.seed, "preset": cell.preset},
        "method": METHODS[cell.method].description,
        "command": " ".join(shlex.quote(a) for a in argv),
        "regenerate": regenerate_command(cell),
        "commit": run_info.get("commit"),
        "device": run_info.get("device"),
        "cpu_threads": run_info.get("cpu_threads"),
        "started": started,
        "wall_seconds": round(wall, 1),
        "train_names": run_info.get("train_names"),
        "train_seconds": metrics.get("train_seconds"),
    } | {key: metrics[key] for key in ("selected_step", "validation", "n_validation", "n_evaluation", "evaluate_seconds",
                                       "predict_seconds", "postprocess") if key in metrics}
    result["evaluation"] = {k: v for k, v in metrics["evaluation"].items() if k != "missing"}
    path = root / cell.result_path(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(result, indent=1) + "\n")
    partial.replace(path)
    return result


@dataclass(frozen=True)
class SweepReport:
    """What a sweep did."""

    done: tuple[Cell, ...]  # cells run now
    skipped: tuple[Cell, ...]  # cells that already had a result
    failed: tuple[tuple[Cell, str], ...]  # cells that failed, with the reason


def run_sweep(
    cells: Sequence[Cell], *, results: str | os.PathLike = "results/sweep", runs: str | os.PathLike = "runs/sweep",
    jobs: int = 1, force: bool = False, progress: bool = True, preview_seeds: Sequence[int] = (0,),
) -> SweepReport:
    """Run every cell without a result file (all of them with ``force``), ``jobs`` at a time.

    A failed cell is reported and the sweep goes on; ``jobs`` runs share the
    CPU cores evenly (``OMP_NUM_THREADS``). Cells of ``preview_seeds`` also
    get a preview (:mod:`advseg.experiment.previews`) beside their result file.
    """

    if jobs < 1:
        raise ValueError(f"`jobs` must be at least 1, got {jobs}")
    todo = [c for c in cells if force or not is_done(c, results=results)]
    skipped = tuple(c for c in cells if c not in todo)
    threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else None
    done, failed = [], []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc="sweep", unit="run")
        bar.write(f"{len(skipped)} of {len(cells)} cells already done; {len(todo)} to run (commit {git_commit()})")

    def work(cell: Cell) -> None:
        try:
            result = run_cell(cell, results=results, runs=runs, threads=threads)
            if cell.seed in preview_seeds:
                write_preview(cell, runs=runs, results=results)
            done.append(cell)
            if bar is not None:
                e = result["evaluation"]
                bar.write(f"{cell.data} {cell.method} {cell.name}: paper F {e['paper']['f']:.3f}, F1@0.5 {e['f1']:.3f}, "
                          f"SEG {e['seg']:.3f} ({result['wall_seconds']:.0f} s)")
        except (RuntimeError, OSError) as error:
            failed.append((cell, str(error)))
            if bar is not None:
                bar.write(f"FAILED {error}")
        finally:
            if bar is not None:
                bar.update()

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(work, todo))
    if bar is not None:
        bar.close()
    return SweepReport(done=tuple(done), skipped=skipped, failed=tuple(failed))
