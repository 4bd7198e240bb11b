"""Figures of the sweep's results: a metric against N_train per method, with 95 % intervals."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from advseg.experiment.results import METRICS, PAPER_TABLE1
from advseg.experiment.statistics import summarize

__all__ = ["METRIC_LABELS", "plot_metric_vs_n_train"]

METRIC_LABELS = {"paper_f": "F (paper protocol)", "paper_precision": "precision (paper protocol)",
                 "paper_recall": "recall (paper protocol)", "f1": "F1 @ IoU 0.5 (one-to-one)", "f1@0.75": "F1 @ IoU 0.75",
                 "ap": "TP/(TP+FP+FN) @ 0.5", "pq": "panoptic quality", "seg": "SEG (Cell Tracking Challenge)",
                 "val_paper_f": "F on the validation frames", "val_f1": "F1 @ IoU 0.5 on the validation frames"}


def plot_metric_vs_n_train(results: pd.DataFrame, *, data: str, metric: str = "paper_f",
                           methods: Sequence[str] | None = None, paper: bool = False, ax: plt.Axes | None = None) -> plt.Axes:
    """Mean ``metric`` against N_train, one line per method, error bars the 95 % interval over seeds.

    With ``paper`` the paper's Table 1 F values are drawn as black crosses
    (only meaningful for ``metric="paper_f"``).
    """
    if metric not in METRICS:
        raise ValueError(f"`metric` must be one of {sorted(METRICS)}, got {metric!r}")
    ax = ax or plt.subplots(figsize=(6, 4))[1]
    cells = summarize(results[results["data"] == data], metric)
    for method in methods or sorted(cells["method"].unique()):
        points = cells[cells["method"] == method].sort_values("n_train")
        if points.empty:
            continue
        n, mean, half, seeds = (points[c].to_numpy(dtype=float) for c in ("n_train", "mean", "half_width", "n"))
        seeds = seeds.astype(int)
        ax.errorbar(n, 100 * mean, yerr=100 * np.nan_to_num(half), marker="o", capsize=3,
                    label=f"{method} ({seeds.min()}–{seeds.max()} seeds)" if seeds.min() != seeds.max() else f"{method} ({seeds[0]} seeds)")
    if paper:
        adv = [(n, f) for _, (m, n, _, _, f) in PAPER_TABLE1.items() if m == "adversarial"]
        ax.plot(*zip(*[(n, 100 * f) for n, f in adv]), "kx", markersize=9, mew=2, label="paper, ADV-N")
        ax.axhline(100 * PAPER_TABLE1["Ilastik"][4], color="k", ls=":", lw=1, label="paper, Ilastik")
    ax.set_xscale("log")
    ax.set_xticks([1, 2, 4, 11], labels=["1", "2", "4", "11"])
    ax.set_xlabel("annotated training images, N_train")
    ax.set_ylabel(f"{METRIC_LABELS[metric]}, %")
    ax.set_title(data)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="lower right")
    if cells.empty:
        ax.text(0.5, 0.5, "no results yet", transform=ax.transAxes, ha="center", va="center", color="0.5")
    return ax
