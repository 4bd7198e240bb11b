"""One cell of the Table 1 sweep: its command, its run and its result file.

A *cell* is one (data set, method, N_train, seed, preset). An estimator cell
runs ``book/train.ipynb`` through papermill; a baseline cell runs
``advseg baseline``. When a run finishes, its metrics, the exact command,
the commit, the device and the wall time go into
``<results>/<preset>/<data>/<method>/n<N>-s<seed>.json``, written last and
atomically: a cell whose file exists is done, and a cell that fails leaves
none. The run folders (notebook, model, history, ``log.txt``) go under
``<runs>`` and are not committed.

Which cells to run, how many at a time and on which machine is Snakemake's
business: ``workflow/Snakefile`` declares every cell as a target and runs
each through ``advseg sweep-cell`` (:func:`run_cell`); see
:mod:`advseg.experiment.workflow`.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from advseg.data.paths import repository_root
from advseg.experiment.grid import VALIDATION_IMAGES, Cell
from advseg.experiment.previews import write_preview
from advseg.evaluation.postprocess import PAPER_MIN_SIZE
from advseg.training.methods import METHODS

__all__ = ["cell_command", "is_done", "regenerate_command", "run_cell", "write_result"]


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
    if method.min_size != PAPER_MIN_SIZE:  # the paper's 50 px is the notebook's default (and older cells' commands)
        parameters["min_size"] = method.min_size
    command = ["papermill", "book/train.ipynb", f"{run_dir}/train.ipynb", "--log-output", "--no-progress-bar"]
    for key, value in parameters.items():
        command += ["-p", key, "None" if value is None else str(value)]
    if method.options:
        command += ["-y", json.dumps({"options": dict(method.options)})]
    return command


def _crops_seen(metrics: dict[str, Any], run_info: dict[str, Any]) -> int | None:
    """Estimator crops trained on: estimator steps taken times the batch size (None for a baseline)."""
    steps = metrics.get("steps_estimator")
    batch = (run_info.get("configs") or {}).get("train", {}).get("batch_size")
    return int(steps) * int(batch) if steps is not None and batch is not None else None


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


def run_cell(
    cell: Cell, *, results: str | os.PathLike, runs: str | os.PathLike, threads: int | None = None, preview: bool = False,
) -> dict[str, Any]:
    """Run one cell from the repository root and write its result file (and, with ``preview``, its preview first).

    ``threads`` sets ``OMP_NUM_THREADS`` of the run. The result file is written
    last, through a temporary file renamed into place, so it exists only when
    everything else succeeded.

    Raises
    ------
    RuntimeError
        If the run fails; the message ends with the tail of its log
        (``<run folder>/log.txt``).
    FileNotFoundError
        If ``preview`` and the run folder lacks what the preview reads.
    """
    root = repository_root()
    argv = cell_command(cell, runs=runs)
    run_dir = root / cell.run_dir(runs)
    run_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ) | ({"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)} if threads else {})
    started, start = time.strftime("%Y-%m-%dT%H:%M:%S%z"), time.perf_counter()
    log_path, metrics_path = run_dir / "log.txt", run_dir / "metrics.json"
    metrics_path.unlink(missing_ok=True)  # a run that fails leaves no stale metrics behind
    with log_path.open("w") as log:
        code = subprocess.run(_program(argv), cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - start
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
        "crops_seen": _crops_seen(metrics, run_info),
    } | {key: metrics[key] for key in ("selected_step", "validation", "n_validation", "n_evaluation", "evaluate_seconds",
                                       "predict_seconds", "postprocess", "min_size", "split") if key in metrics}
    result["evaluation"] = {k: v for k, v in metrics["evaluation"].items() if k != "missing"}
    if preview:
        write_preview(cell, runs=root / runs, results=root / results)
    write_result(cell, result, results=results)
    return result


def write_result(cell: Cell, result: dict[str, Any], *, results: str | os.PathLike) -> Path:
    """Write ``cell``'s result file through a temporary file renamed into place (it exists only once complete)."""
    path = repository_root() / cell.result_path(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(result, indent=1) + "\n")
    partial.replace(path)
    return path
