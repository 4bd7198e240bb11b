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

import pandas as pd

__all__ = ["rerun_summary", "rerun_table"]

KEY = ["data", "method", "n_train", "seed", "preset"]  # the same cell


def rerun_table(results: pd.DataFrame, reruns: pd.DataFrame, *, metric: str = "paper_f") -> pd.DataFrame:
    """One row per cell present in both: its device and ``metric`` in each run, and the change (points).

    Parameters
    ----------
    results, reruns : pandas.DataFrame
        Result files (:func:`advseg.experiment.results.load_results`) of the first runs and of the reruns.
    metric : str
        A name of :data:`advseg.experiment.results.METRICS`.
    """
    both = reruns[KEY + ["device", metric]].merge(results[KEY + ["device", metric]], on=KEY, suffixes=("_rerun", "_first"))
    a, b = both[f"{metric}_first"], both[f"{metric}_rerun"]
    return pd.DataFrame({"data": both["data"], "method": both["method"], "N_train": both["n_train"], "seed": both["seed"],
                         "first device": both["device_first"], "rerun device": both["device_rerun"],
                         f"{metric}: first (%)": (100 * a).round(1), f"{metric}: rerun (%)": (100 * b).round(1),
                         "change (points)": (100 * (b - a)).round(1)})


def rerun_summary(rows: pd.DataFrame | Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Per (same device or not, method): reruns, unchanged ones (to 0.1 point), mean and largest absolute change.

    Examples
    --------
    >>> rows = [{"method": "ce", "first device": "cpu", "rerun device": "gpu", "change (points)": -2.0},
    ...         {"method": "ce", "first device": "cpu", "rerun device": "gpu", "change (points)": 1.0}]
    >>> rerun_summary(rows).loc[0, "mean |change| (points)"]
    np.float64(1.5)
    """
    rows = pd.DataFrame(rows)
    rows["devices"] = (rows["first device"] == rows["rerun device"]).map({True: "same device", False: "another device"})
    rows["size"] = rows["change (points)"].abs()
    table = rows.groupby(["devices", "method"]).agg(
        reruns=("size", "size"), unchanged=("change (points)", lambda c: int((c == 0).sum())),
        mean=("size", "mean"), largest=("size", "max")).reset_index()
    table["mean"], table["largest"] = table["mean"].round(1), table["largest"].round(1)
    return table.rename(columns={"mean": "mean |change| (points)", "largest": "largest |change| (points)"})
