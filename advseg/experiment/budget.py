"""What the training budget changes: the ``cpu`` preset against the paper's.

The sweep's table is run with the ``cpu`` preset (600 estimator steps of 16
crops). Cells run again with the ``paper`` preset (50,000 steps of 100 crops,
meant for a GPU) measure how much of the gap to the paper is the budget.
:func:`budget_table` sets each ``paper`` cell beside the ``cpu`` cell of the
same data set, method and N_train. A run's validation curve (F on the
selection frames every ``validate_every`` steps) is kept as a small file by
:func:`save_validation_history`, also for runs stopped before the end, and
drawn by :func:`plot_validation_histories`. The ``cpu-2x`` and ``cpu-4x``
presets double and quadruple the ``cpu`` preset's steps: :func:`budget_curve`,
:func:`budget_gap_table` and :func:`plot_budget` set a metric against the
estimator crops each cell trained on (``crops_seen``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from advseg.experiment.statistics import check_metric, find, half_width, interval_text
from advseg.training.presets import get_preset

__all__ = ["budget_curve", "budget_gap_table", "budget_table", "load_validation_histories", "plot_budget",
           "plot_budget_grid", "plot_validation_histories", "plot_validation_panels", "save_validation_history"]

BUDGET_COLUMNS = ["data", "method", "preset", "crops", "seeds", "mean", "half_width", "seed0", "devices"]


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


def _budget_rows(results: pd.DataFrame, *, n_train: int, methods: Sequence[str]) -> pd.DataFrame:
    """The estimator cells of ``methods`` at ``n_train`` that say how many crops they trained on."""
    missing = sorted({"data", "method", "preset", "n_train", "seed", "crops_seen"} - set(results.columns))
    if missing:
        raise ValueError(f"`results` must be a load_results() frame, it lacks the columns {missing}")
    keep = results["method"].isin(list(methods)) & (results["n_train"] == n_train) & results["crops_seen"].notna()
    return results[keep]


def budget_curve(results: pd.DataFrame, *, n_train: int = 1, methods: Sequence[str] = ("ce", "adversarial"),
                 metric: str = "paper_f") -> pd.DataFrame:
    """``metric`` of each (data set, method, preset) against the estimator crops its cells trained on.

    Parameters
    ----------
    results : pandas.DataFrame
        Result files of every preset (:func:`advseg.experiment.results.load_results` without ``preset``).
    n_train : int
        Annotated training frames of the cells to keep.
    methods : sequence of str
        Estimator methods to keep.
    metric : str
        A name of :data:`advseg.experiment.results.METRICS`.

    Returns
    -------
    pandas.DataFrame
        One row per (data, method, preset), sorted by data, method and crops: ``crops`` (the median
        ``crops_seen`` of its seeds), ``seeds``, ``mean`` and ``half_width`` (95 % CI of the mean over
        seeds, NaN for one), ``seed0`` (seed 0's value, NaN without it) and ``devices``.
    """
    check_metric(metric)
    rows = []
    for (data, method, preset), group in _budget_rows(results, n_train=n_train, methods=methods).groupby(
            ["data", "method", "preset"], sort=True):
        values = group[metric].to_numpy(dtype=float)
        seed0 = group.loc[group["seed"] == 0, metric]
        rows.append({"data": data, "method": method, "preset": preset, "crops": float(group["crops_seen"].median()),
                     "seeds": len(group), "mean": float(np.mean(values)), "half_width": half_width(values),
                     "seed0": float(seed0.iloc[0]) if len(seed0) else math.nan,
                     "devices": ", ".join(sorted(set(group["device"].astype(str)))) if "device" in group else ""})
    curve = pd.DataFrame(rows, columns=BUDGET_COLUMNS)
    return curve.sort_values(["data", "method", "crops"], kind="stable").reset_index(drop=True)


def budget_gap_table(results: pd.DataFrame, *, data: str, first: str = "adversarial", second: str = "ce",
                     n_train: int = 1, metric: str = "paper_f") -> pd.DataFrame:
    """``first`` − ``second`` at every training budget run for both, paired by seed.

    Returns
    -------
    pandas.DataFrame
        One row per preset, by crops: the crops, each method's ``metric`` (mean ± 95 % CI over its
        seeds, %), and their difference over the seeds both have (points, ± 95 % CI from two seeds on).
    """
    check_metric(metric)
    rows = _budget_rows(results, n_train=n_train, methods=(first, second))
    rows = rows[rows["data"] == data]
    table = []
    for preset, group in rows.groupby("preset"):
        by_method = {m: group[group["method"] == m].set_index("seed")[metric] for m in (first, second)}
        if any(values.empty for values in by_method.values()):
            continue
        seeds = sorted(set(by_method[first].index) & set(by_method[second].index))
        difference = (by_method[first][seeds] - by_method[second][seeds]).to_numpy(dtype=float)
        texts = {m: interval_text(float(v.mean()), half_width(v.to_numpy(dtype=float)), len(v), bounds=(0.0, 1.0))
                 for m, v in by_method.items()}
        gap = (interval_text(float(difference.mean()), half_width(difference), len(seeds), signed=True)
               if seeds else "—")
        table.append({"preset": preset, "crops": int(group["crops_seen"].median()), f"{first} (%)": texts[first],
                      f"{second} (%)": texts[second], f"{first} − {second} (points)": gap,
                      "paired seeds": ", ".join(map(str, seeds))})
    frame = pd.DataFrame(table)
    if frame.empty:
        raise ValueError(f"`data` {data!r} has no preset with both {first!r} and {second!r} cells at N_train {n_train}")
    frame = frame.sort_values("crops").reset_index(drop=True)
    frame["crops"] = frame["crops"].map("{:,}".format)
    return frame


def plot_budget(results: pd.DataFrame, *, data: str, n_train: int = 1, methods: Sequence[str] = ("ce", "adversarial"),
                metric: str = "paper_f", ax: plt.Axes | None = None) -> plt.Axes:
    """``metric`` against the estimator crops trained on (log axis), one line per method.

    The line joins seed 0 at every budget (the budget cells run seed 0); where a
    budget has more seeds, their mean ± 95 % CI is drawn beside it as an open
    marker with an error bar. Cells of the ``paper`` preset (run on a GPU) are stars.
    """
    curve = budget_curve(results, n_train=n_train, methods=methods, metric=metric)
    curve = curve[curve["data"] == data]
    if curve.empty:
        raise ValueError(f"`data` {data!r} has no cells of {list(methods)} at N_train {n_train}")
    ax = ax or plt.subplots(figsize=(6, 4))[1]
    for method, rows in curve.groupby("method", sort=False):
        cpu = rows[rows["preset"] != "paper"]
        (line,) = ax.plot(cpu["crops"], 100 * cpu["seed0"], "o-", label=f"{method} (seed 0)")
        many = rows[rows["seeds"] > 1]
        half = many["half_width"].fillna(0)
        below, above = np.minimum(half, many["mean"]), np.minimum(half, 1 - many["mean"])  # clipped to 0..100 %
        ax.errorbar(many["crops"] * 1.08, 100 * many["mean"], yerr=[100 * below, 100 * above], fmt="o", mfc="none",
                    color=line.get_color(), capsize=3, label=f"{method}, mean of {int(many['seeds'].max())} seeds"
                    if len(many) else None)
        paper = rows[rows["preset"] == "paper"]
        if len(paper):
            ax.plot(paper["crops"], 100 * paper["seed0"], "*", markersize=13, color=line.get_color(),
                    label=f"{method}, paper preset ({paper['devices'].iloc[0]})")
    name = {"paper_f": "F (paper protocol)", "f1": "F1 @ IoU 0.5", "seg": "SEG"}.get(metric, metric)
    ax.set(xscale="log", xlabel="estimator crops trained on", ylabel=f"{name}, %", ylim=(0, 100),
           title=f"{data}, N_train = {n_train}")
    ticks = curve.drop_duplicates("crops").sort_values("crops")
    ax.set_xticks(ticks["crops"], [f"{c:,.0f}\n{p}" for c, p in zip(ticks["crops"], ticks["preset"])], minor=False)
    ax.set_xticks([], minor=True)
    ax.set_xlim(ticks["crops"].min() / 1.5, ticks["crops"].max() * 1.5)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_budget_grid(results: pd.DataFrame, data: Sequence[str], *, metrics: Sequence[str] = ("paper_f", "f1"),
                     n_train: int = 1) -> plt.Figure:
    """:func:`plot_budget` for each data set (columns) and metric (rows), one title, legend and axis label per column."""
    fig, axes = plt.subplots(len(metrics), len(data), figsize=(5 * len(data), 4 * len(metrics)), sharex="col", squeeze=False)
    for column, name in enumerate(data):
        for row, metric in enumerate(metrics):
            ax = plot_budget(results, data=name, metric=metric, n_train=n_train, ax=axes[row, column])
            if row:
                ax.set_title("")
                ax.get_legend().remove()
            if row < len(metrics) - 1:
                ax.set_xlabel("")
    fig.suptitle(f"N_train = {n_train}: the metric against the estimator crops trained on")
    fig.tight_layout()
    return fig


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


def plot_validation_panels(histories: Sequence[dict[str, Any]], *, keys: Sequence[str] = ("val_nuclei_f1", "val_foreground"),
                           title: str = "") -> plt.Figure:
    """:func:`plot_validation_histories` side by side, one panel per validation ``key``, under one ``title``."""
    fig, axes = plt.subplots(1, len(keys), figsize=(6.5 * len(keys), 4), squeeze=False)
    for ax, key in zip(axes[0], keys):
        plot_validation_histories(histories, key=key, ax=ax).legend(fontsize=8, loc="upper right")
    fig.suptitle(title, y=1.02)
    return fig


def plot_validation_histories(histories: Sequence[dict[str, Any]], *, key: str = "val_paper_f",
                              ax: plt.Axes | None = None) -> plt.Axes:
    """Validation ``key`` against estimator steps, one line per run; a run stopped early ends in a cross.

    Runs of several seeds are told apart by their seed in the legend.
    """
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    several_seeds = len({history.get("seed") for history in histories}) > 1
    for history in histories:
        steps = [r["step_e"] for r in history["validation"]]
        values = [100 * r[key] for r in history["validation"]]
        label = f"{history['method']}, N_train = {history['n_train']}, {history['preset']} preset"
        label += f", seed {history['seed']}" if several_seeds else ""
        if history["last_step"] < history["iterations"]:
            label += f" (stopped at {history['last_step']:,} of {history['iterations']:,})"
        (line,) = ax.plot(steps, values, label=label)
        if history["last_step"] < history["iterations"] and steps:
            ax.plot(steps[-1], values[-1], "x", color=line.get_color(), markersize=9, mew=2)
    name = {"val_paper_f": "F (paper protocol)", "val_f1": "F1 @ IoU 0.5", "val_nuclei_f1": "F1 @ IoU 0.5 of the nuclei",
            "val_foreground": "share called nucleus"}.get(key, key)
    ax.set(xlabel="estimator step", ylabel=f"{name} on the selection frames, %", ylim=(0, 100))
    ax.legend(fontsize=8, loc="lower right")
    return ax
