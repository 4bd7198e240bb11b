"""Where in a movie a model fails: the frame-by-frame scores of ``benchmarks/frame_errors.py``.

A cell's F1 pools every evaluation frame. On a time-lapse the frames differ
(nuclei cluster and divide as the movie goes on; the illumination drifts), so the
same F1 can hide a model that is excellent on most frames and fails on a few.
The CSV files under ``results/diagnosis/`` hold, per (cell, frame), the matched
counts and the object errors (:mod:`advseg.evaluation.error_classes`); these
functions pool them by part of the movie and plot them.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

__all__ = ["OUTCOMES", "frame_index", "load_frame_errors", "movie_parts_table", "plot_frames"]

OUTCOMES = ("matched", "missed", "false", "merged", "split")
_COLUMNS = ("method", "seed", "frame", "index", "f1", "tp", "n_gt", "n_pred", *OUTCOMES)


def frame_index(name: str) -> int | None:
    """A frame's place in its movie, from the digits that end its name (None without any).

    >>> frame_index("frame_035"), frame_index("t012"), frame_index("image")
    (35, 12, None)
    """
    found = re.search(r"(\d+)$", name)
    return int(found.group(1)) if found else None


def load_frame_errors(path: str | os.PathLike) -> pd.DataFrame:
    """One row per (cell, frame), as ``benchmarks/frame_errors.py`` wrote it.

    Raises
    ------
    ValueError
        If the file lacks a column the functions here read.
    """
    frame = pd.read_csv(path)
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"`path` must be a frame_errors.py CSV, got {path} without columns {missing}")
    return frame


def movie_parts_table(frames: pd.DataFrame, *, parts: int = 3) -> pd.DataFrame:
    """Pooled F1@0.5 (%) and object errors per method and part of the movie (equal spans of frame index).

    Examples
    --------
    >>> rows = [dict(method="m", seed=0, frame=f"f{i}", index=i, f1=0.0, tp=t, n_gt=10, n_pred=10,
    ...              matched=t, missed=10 - t, false=10 - t, merged=0, split=0) for i, t in enumerate([10, 10, 5, 5])]
    >>> movie_parts_table(pd.DataFrame(rows), parts=2)[["method", "frames", "F1@0.5 (%)", "false"]].to_dict("records")
    [{'method': 'm', 'frames': '0–1', 'F1@0.5 (%)': 100.0, 'false': 0}, {'method': 'm', 'frames': '2–3', 'F1@0.5 (%)': 50.0, 'false': 10}]
    """
    if parts < 1:
        raise ValueError(f"`parts` must be at least 1, got {parts}")
    low, high = int(frames["index"].min()), int(frames["index"].max())
    edges = np.linspace(low, high + 1, parts + 1)
    part = np.clip(np.searchsorted(edges, frames["index"].to_numpy(), side="right") - 1, 0, parts - 1)
    labels = [f"{int(np.ceil(edges[i]))}–{int(np.ceil(edges[i + 1])) - 1}" for i in range(parts)]
    rows = []
    for (method, p), group in frames.assign(part=part).groupby(["method", "part"], sort=False):
        tp, n_gt, n_pred = (int(group[c].sum()) for c in ("tp", "n_gt", "n_pred"))
        rows.append({"method": method, "frames": labels[p], "F1@0.5 (%)": round(200.0 * tp / max(n_gt + n_pred, 1), 1),
                     **{o: int(group[o].sum()) for o in OUTCOMES if o != "matched"}})
    return pd.DataFrame(rows)


def plot_frames(frames: pd.DataFrame, *, ax=None, title: str | None = None, training: tuple[int, ...] = ()):
    """F1@0.5 of each frame against its place in the movie, one line per method (and seed); ``training``: frames to mark."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    for i, index in enumerate(training):
        ax.axvline(index, color="0.5", linestyle="--", linewidth=1, label="training frame" if i == 0 else None)
    for (method, seed), group in frames.groupby(["method", "seed"], sort=False):
        group = group.sort_values("index")
        ax.plot(group["index"], 100 * group["f1"], marker="o", markersize=3, label=f"{method} (seed {seed})")
    ax.set_xlabel("frame of the movie")
    ax.set_ylabel("F1@0.5 of the frame (%)")
    ax.set_ylim(0, 100)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")  # outside: the lines fill the axes
    if title:
        ax.set_title(title)
    return ax
