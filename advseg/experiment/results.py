"""The sweep's result files as one tidy pandas DataFrame: one row per file.

Every number the results chapter shows comes from here, and every number
here comes from a result file written by :func:`advseg.experiment.sweep.run_cell`.
A row holds the cell (``data``, ``method``, ``preset``, ``n_train``, ``seed``),
its provenance (``device``, ``commit``, ``wall_seconds``, ``command``,
``regenerate``, ...) and every metric: the named ones of :data:`METRICS`
(fractions, 0..1) and the whole ``evaluation`` object flattened into
``evaluation.<path>`` columns. Seed statistics live in
:mod:`advseg.experiment.statistics`, tables in :mod:`advseg.experiment.tables`.

Examples
--------
>>> df = results_frame([{"cell": {"data": "d", "method": "ce", "preset": "cpu", "n_train": 1, "seed": 0},
...                      "evaluation": {"paper": {"f": 0.5}, "f1": 0.6}}])
>>> df.loc[0, "method"], float(df.loc[0, "paper_f"]), float(df.loc[0, "f1"])
('ce', 0.5, 0.6)
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from advseg.data.paths import repository_root

__all__ = ["CELL_FIELDS", "METRICS", "PAPER_TABLE1", "PROVENANCE_FIELDS", "load_results", "metric_value", "results_frame"]

# The paper's Table 1 (its H1299 frames, its protocol): column -> (method, N_train, precision, recall, F)
PAPER_TABLE1: dict[str, tuple[str, int | None, float, float, float]] = {
    "ADV-1": ("adversarial", 1, 0.899, 0.820, 0.858),
    "ADV-2": ("adversarial", 2, 0.854, 0.872, 0.863),
    "ADV-4": ("adversarial", 4, 0.868, 0.868, 0.868),
    "ADV-11": ("adversarial", 11, 0.858, 0.865, 0.861),
    "CE Loss-11": ("ce", 11, 0.0243, 0.6711, 0.047),
    "Ilastik": ("ilastik-style", None, 0.885, 0.824, 0.853),  # the paper does not say how much was annotated
}

# metric name -> path into a result file (the evaluation frames' scores, and the validation frames' that chose the model)
METRICS: dict[str, tuple[str, ...]] = {
    "paper_f": ("evaluation", "paper", "f"),
    "paper_precision": ("evaluation", "paper", "precision"),
    "paper_recall": ("evaluation", "paper", "recall"),
    "f1": ("evaluation", "f1"),
    "precision": ("evaluation", "precision"),  # of one-to-one matching at IoU 0.5
    "recall": ("evaluation", "recall"),
    "f1@0.75": ("evaluation", "thresholds", "0.75", "f1"),
    "ap": ("evaluation", "ap"),
    "pq": ("evaluation", "pq"),
    "seg": ("evaluation", "seg"),
    "val_paper_f": ("validation", "val_paper_f"),  # on the validation frames, at the selected step
    "val_f1": ("validation", "val_f1"),
}
CELL_FIELDS = ("data", "method", "preset", "n_train", "seed")  # what identifies a cell
PROVENANCE_FIELDS = ("device", "commit", "cpu_threads", "started", "wall_seconds", "train_seconds", "selected_step",
                     "command", "regenerate")


def metric_value(result: dict[str, Any], metric: str) -> float:
    """One metric of one result file's contents.

    Raises
    ------
    ValueError
        If ``metric`` is not a name of :data:`METRICS`.
    KeyError
        If the file does not hold it.

    Examples
    --------
    >>> metric_value({"evaluation": {"paper": {"f": 0.5}}}, "paper_f")
    0.5
    """
    if metric not in METRICS:
        raise ValueError(f"`metric` must be one of {sorted(METRICS)}, got {metric!r}")
    value: Any = result
    for key in METRICS[metric]:
        value = value[key]
    return float(value)


def _flatten(tree: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out |= _flatten(value, f"{prefix}{key}.")
        elif not isinstance(value, list):
            out[f"{prefix}{key}"] = value
    return out


def _row(result: dict[str, Any]) -> dict[str, Any]:
    row = {key: result["cell"].get(key) for key in CELL_FIELDS}
    row |= {key: result.get(key) for key in (*PROVENANCE_FIELDS, "path")}
    for metric in METRICS:
        try:
            row[metric] = metric_value(result, metric)
        except (KeyError, TypeError):
            row[metric] = math.nan
    row |= _flatten(result.get("evaluation", {}), "evaluation.")
    row |= _flatten(result.get("validation") or {}, "validation.")
    row |= _flatten(result.get("split") or {}, "split.")  # watershed-fit's cut and its validation F1
    row["crops_seen"] = crops_seen(result)
    return row


def crops_seen(result: dict[str, Any]) -> float:
    """Estimator training crops of a result file: its ``crops_seen``, else its preset's full budget, NaN for baselines.

    Files written before the sweep recorded ``crops_seen`` belong to runs that
    trained to the end of their preset (a stopped run writes no result file),
    so their budget is the preset's ``iterations x batch_size`` with the
    method's options applied.
    """
    if result.get("crops_seen") is not None:
        return float(result["crops_seen"])
    from advseg.training.methods import METHODS
    from advseg.training.presets import get_preset

    method = METHODS.get(result["cell"].get("method"))
    if method is None or not method.is_estimator:
        return math.nan
    train = get_preset(result["cell"]["preset"], options=dict(method.options)).train
    return float(train.iterations * train.batch_size)


def results_frame(results: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Result files' contents (dicts) as one DataFrame, one row each, sorted by cell.

    Parameters
    ----------
    results : iterable of dict
        Parsed result files (``{"cell": {...}, "evaluation": {...}, ...}``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CELL_FIELDS`, :data:`PROVENANCE_FIELDS`, every name of
        :data:`METRICS` (NaN where a file lacks it) and the flattened
        ``evaluation.*`` and ``validation.*`` values. An empty input gives an
        empty frame with the named columns.
    """
    rows = [_row(r) for r in results]
    columns = [*CELL_FIELDS, *PROVENANCE_FIELDS, "path", *METRICS]
    df = pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
    df = df[columns + [c for c in df.columns if c not in columns]]
    return df.sort_values(["data", "method", "n_train", "seed"], kind="stable").reset_index(drop=True)


def load_results(folder: str | os.PathLike | None = None, *, preset: str | None = None) -> pd.DataFrame:
    """Every result file under ``folder`` (``<preset>/<data>/<method>/n<N>-s<seed>.json``) as one DataFrame.

    Parameters
    ----------
    folder : path, optional
        A sweep's result folder (default: the repository's ``results/sweep``).
    preset : str, optional
        Keep only this preset's cells (``"cpu"`` or ``"paper"``).

    Returns
    -------
    pandas.DataFrame
        One row per file (see :func:`results_frame`), with its ``path``.

    Raises
    ------
    FileNotFoundError
        If ``folder`` does not exist.

    Examples
    --------
    >>> df = load_results(preset="cpu")
    >>> df.groupby("data")["seed"].nunique()[["dsb2018", "synthetic-h1299-v1"]].to_dict()
    {'dsb2018': 3, 'synthetic-h1299-v1': 3}
    """
    folder = repository_root() / "results" / "sweep" if folder is None else Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"`folder` {folder} does not exist; run `advseg sweep` to make result files")
    paths = sorted(folder.glob("*/*/*/n*-s*.json"))
    records = [json.loads(path.read_text()) | {"path": str(path)} for path in paths]
    if preset is not None:
        records = [r for r in records if r["cell"]["preset"] == preset]
    return results_frame(records)
