"""What the training budget changes: the ``cpu`` preset against the paper's.

The sweep's table is run with the ``cpu`` preset (600 estimator steps of 16
crops). Cells run again with the ``paper`` preset (50,000 steps of 100 crops,
meant for a GPU) measure how much of the gap to the paper is the budget.
:func:`budget_table` sets each ``paper`` cell beside the ``cpu`` cell of the
same data set, method and N_train. A run's validation curve (F on the
selection frames every ``validate_every`` steps) is kept as a small file by
:func:`save_validation_history`, also for runs stopped before the end, and
drawn by :func:`plot_validation_histories`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from advseg.experiment.statistics import find
from advseg.training.presets import get_preset

__all__ = ["budget_table", "load_validation_histories", "plot_validation_histories", "save_validation_history"]


def _crops(preset: str) -> int:
    train = get_preset(preset).train
    return train.iterations * train.batch_size


def budget_table(results: pd.DataFrame, *, metric: str = "paper_f") -> pd.DataFrame:
    """Each ``paper``-preset cell beside the ``cpu``-preset cell of the same data set, method and N_train.

    Parameters
    ----------
    results : pandas.DataFrame
        Result files of both presets (:func:`advseg.experiment.results.load_results` without ``preset``).
    metric : str
        A name of :data:`advseg.experiment.results.METRICS`.

    Returns
    -------
    pandas.DataFrame
        One row per ``paper`` cell: ``metric`` under each preset (mean ± 95 % CI over seeds, in %), the
        estimator crops each preset trains on, and the paper run's device and wall time.
    """
    cpu = results[results["preset"] == "cpu"]
    rows = []
    for _, run in results[results["preset"] == "paper"].iterrows():
        small = find(cpu, data=run["data"], method=run["method"], n_train=run["n_train"], metric=metric)
        rows.append({"data": run["data"], "method": run["method"], "N_train": run["n_train"], "seed": run["seed"],
                     f"cpu preset, {metric} (%)": small.text() if small else "—",
                     f"paper preset, {metric} (%)": f"{100 * run[metric]:.1f}",
                     "crops: cpu / paper": f"{_crops('cpu'):,} / {_crops('paper'):,}",
                     "paper run": f"{run['device']}, {run['wall_seconds'] / 60:.0f} min"})
    return pd.DataFrame(rows)


def save_validation_history(run_dir: str | os.PathLike, out: str | os.PathLike, *, method: str | None = None,
                            note: str = "", train_records: bool = False) -> Path:
    """Keep a run's validation records (``history.jsonl``) as a small JSON file.

    Parameters
    ----------
    run_dir : path
        A training run's folder (``history.jsonl`` and ``run.json`` inside).
    out : path
        The file to write.
    method : str, optional
        The sweep method the run belongs to (default: its loss, right for
        ``adversarial``, ``ce`` and ``hybrid``).
    note : str, optional
        Said beside the records, e.g. why a run stopped early.
    train_records : bool, optional
        Also keep every record (losses and D's outputs too) under ``records``,
        for :func:`advseg.plot.training.plot_history`.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    run_dir, out = Path(run_dir), Path(out)
    history = run_dir / "history.jsonl"
    if not history.is_file():
        raise FileNotFoundError(f"`run_dir` must hold a history.jsonl, {run_dir} has none")
    records = [json.loads(line) for line in history.read_text().splitlines() if line.strip()]
    info = json.loads((run_dir / "run.json").read_text())
    validation = [{k: v for k, v in r.items() if k != "kind"} for r in records if r.get("kind") == "validation"]
    train = info["configs"]["train"]
    summary = {"data": info["data"], "method": method or info["loss"], "n_train": info["n_train"],
               "seed": info["seed"], "preset": info["preset"], "device": info["device"], "commit": info["commit"],
               "iterations": train["iterations"], "batch_size": train["batch_size"],
               "last_step": max((r["step_e"] for r in records if "step_e" in r), default=0), "note": note,
               "validation": validation} | ({"records": records} if train_records else {})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary) + "\n")
    return out


def load_validation_histories(folder: str | os.PathLike) -> list[dict[str, Any]]:
    """Every file :func:`save_validation_history` wrote under ``folder``, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"`folder` {folder} does not exist")
    return [json.loads(path.read_text()) for path in sorted(folder.rglob("*.json"))]


def plot_validation_histories(histories: Sequence[dict[str, Any]], *, key: str = "val_paper_f",
                              ax: plt.Axes | None = None) -> plt.Axes:
    """Validation ``key`` against estimator steps, one line per run; a run stopped early ends in a cross."""
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    for history in histories:
        steps = [r["step_e"] for r in history["validation"]]
        values = [100 * r[key] for r in history["validation"]]
        label = f"{history['method']}, N_train = {history['n_train']}, {history['preset']} preset"
        if history["last_step"] < history["iterations"]:
            label += f" (stopped at {history['last_step']:,} of {history['iterations']:,})"
        (line,) = ax.plot(steps, values, label=label)
        if history["last_step"] < history["iterations"] and steps:
            ax.plot(steps[-1], values[-1], "x", color=line.get_color(), markersize=9, mew=2)
    name = {"val_paper_f": "F (paper protocol)", "val_f1": "F1 @ IoU 0.5"}.get(key, key)
    ax.set(xlabel="estimator step", ylabel=f"{name} on the selection frames, %", ylim=(0, 100))
    ax.legend(fontsize=8, loc="lower right")
    return ax
