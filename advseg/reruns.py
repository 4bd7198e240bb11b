"""The same cell run twice: how much a result moves when only the machine changes.

Part of the sweep ran on a CPU and part on a GPU, with the same preset. A
rerun of a cell (same data, method, N_train, seed, preset) on another device
starts from the same weights and draws the same crops, but floating-point
sums come out in a different order, and small differences grow over training.
:func:`rerun_table` sets each cell beside its rerun; :func:`rerun_summary`
condenses them into the typical change, split by whether the device changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from advseg.results import metric_value

__all__ = ["rerun_summary", "rerun_table"]


def _key(result: dict[str, Any]) -> tuple[Any, ...]:
    cell = result["cell"]
    return cell["data"], cell["method"], cell["n_train"], cell["seed"], cell["preset"]


def rerun_table(results: Sequence[dict[str, Any]], reruns: Sequence[dict[str, Any]], *,
                metric: str = "paper_f") -> list[dict[str, Any]]:
    """One row per cell present in both: its device and ``metric`` in each run, and the change (points).

    Parameters
    ----------
    results, reruns : sequence of dict
        Result files (:func:`advseg.results.load_results`) of the first runs and of the reruns.
    metric : str
        A name of :data:`advseg.results.METRICS`.
    """
    first = {_key(r): r for r in results}
    rows = []
    for again in reruns:
        original = first.get(_key(again))
        if original is None:
            continue
        a, b = metric_value(original, metric), metric_value(again, metric)
        data, method, n_train, seed, _ = _key(again)
        rows.append({"data": data, "method": method, "N_train": n_train, "seed": seed,
                     "first device": original["device"], "rerun device": again["device"],
                     f"{metric}: first (%)": round(100 * a, 1), f"{metric}: rerun (%)": round(100 * b, 1),
                     "change (points)": round(100 * (b - a), 1)})
    return rows


def rerun_summary(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (same device or not, method): reruns, unchanged ones (to 0.1 point), mean and largest absolute change.

    Examples
    --------
    >>> rows = [{"method": "ce", "first device": "cpu", "rerun device": "gpu", "change (points)": -2.0},
    ...         {"method": "ce", "first device": "cpu", "rerun device": "gpu", "change (points)": 1.0}]
    >>> rerun_summary(rows)[0]["mean |change| (points)"]
    1.5
    """
    groups: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        same = "same device" if row["first device"] == row["rerun device"] else "another device"
        groups.setdefault((same, row["method"]), []).append(row["change (points)"])
    return [{"devices": same, "method": method, "reruns": len(changes), "unchanged": sum(c == 0 for c in changes),
             "mean |change| (points)": round(float(np.mean(np.abs(changes))), 1),
             "largest |change| (points)": round(float(np.max(np.abs(changes))), 1)}
            for (same, method), changes in sorted(groups.items())]
