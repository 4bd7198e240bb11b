"""Seed statistics on the results DataFrame: mean and 95 % t-interval per cell, and differences paired by seed.

Cells of the same data set, N_train and seed train on the same images, so two
methods are compared seed by seed (:func:`paired`): the paired difference
removes the spread that comes from which images were drawn, and its interval
is usually much narrower than either cell's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from advseg.experiment.results import METRICS

__all__ = ["Summary", "check_metric", "find", "half_width", "interval_text", "paired", "paired_difference", "summarize"]

GROUP = ["data", "method", "n_train"]  # a table cell: the seeds of one (data set, method, N_train)
METRIC_RANGE = (0.0, 1.0)  # every metric of METRICS is a fraction
EQUAL = 1e-9  # a half width below this comes from seeds that gave the same value (up to rounding)


def half_width(values: np.ndarray | list[float]) -> float:
    """Half the 95 % confidence interval of the mean (Student's t); NaN for fewer than two values.

    Examples
    --------
    >>> round(half_width([0.8, 0.9, 0.85]), 4)
    0.1242
    """
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return math.nan
    return float(stats.t.ppf(0.975, values.size - 1) * np.std(values, ddof=1) / math.sqrt(values.size))


def interval_text(mean: float, half: float, n: int, *, percent: bool = True, signed: bool = False,
                  bounds: tuple[float, float] | None = None) -> str:
    """``mean ± half`` as a table shows it (in % by default).

    One seed has no interval; seeds that all gave the same value say so
    instead of showing a false ``± 0.0``; an interval that crosses ``bounds``
    (a metric's range, 0..1) is clipped to it and written ``mean (low–high)``.

    Examples
    --------
    >>> interval_text(0.85, 0.1242, 3)
    '85.0 ± 12.4'
    >>> interval_text(0.05, math.nan, 1, signed=True)
    '+5.0'
    >>> interval_text(0.902, 0.0, 3)
    '90.2 (all 3 seeds equal)'
    >>> interval_text(0.34, 0.532, 3, bounds=(0.0, 1.0))
    '34.0 (0.0–87.2)'
    """
    scale, digits = (100, 1) if percent else (1, 3)
    text = f"{scale * mean:{'+' if signed else ''}.{digits}f}"
    if n < 2:
        return text
    if half < EQUAL:
        return f"{text} (all {n} seeds equal)"
    if bounds is not None and (mean - half < bounds[0] or mean + half > bounds[1]):
        low, high = max(mean - half, bounds[0]), min(mean + half, bounds[1])
        return f"{text} ({scale * low:.{digits}f}–{scale * high:.{digits}f})"
    return f"{text} ± {scale * half:.{digits}f}"


@dataclass(frozen=True)
class Summary:
    """One cell of a table: a metric over seeds."""

    data: str
    method: str
    n_train: int
    metric: str
    values: tuple[float, ...]  # one per seed, in seed order
    seeds: tuple[int, ...]
    bounds: tuple[float, float] | None = METRIC_RANGE  # the values' range (None for differences)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def half_width(self) -> float:
        """Half the 95 % confidence interval of the mean (Student's t); NaN for one seed."""
        return half_width(self.values)

    def text(self, *, percent: bool = True, signed: bool = False) -> str:
        """``mean ± half width`` (see :func:`interval_text`).

        Examples
        --------
        >>> Summary("d", "ce", 1, "paper_f", (0.8, 0.9, 0.85), (0, 1, 2)).text()
        '85.0 ± 12.4'
        >>> Summary("d", "ce", 1, "paper_f", (0.05,), (0,)).text(signed=True)
        '+5.0'
        """
        return interval_text(self.mean, self.half_width, self.n, percent=percent, signed=signed, bounds=self.bounds)


def check_metric(metric: str) -> None:
    """Refuse a ``metric`` that is not a name of :data:`advseg.experiment.results.METRICS`."""
    if metric not in METRICS:
        raise ValueError(f"`metric` must be one of {sorted(METRICS)}, got {metric!r}")


def summarize(results: pd.DataFrame, metric: str = "paper_f") -> pd.DataFrame:
    """``metric`` per (data set, method, N_train) over seeds.

    Parameters
    ----------
    results : pandas.DataFrame
        Rows of :func:`advseg.experiment.results.load_results`.
    metric : str
        A name of :data:`advseg.experiment.results.METRICS`.

    Returns
    -------
    pandas.DataFrame
        One row per cell: ``data``, ``method``, ``n_train``, ``mean``,
        ``half_width`` (NaN for one seed), ``n`` (seeds), ``values`` and
        ``seeds`` (tuples in seed order), ``text`` (:func:`interval_text` in %)
        and ``identical`` (every seed gave the same value).
    """
    check_metric(metric)
    rows = results.dropna(subset=[metric]).sort_values([*GROUP, "seed"])
    if rows.empty:
        return pd.DataFrame(columns=[*GROUP, "mean", "half_width", "n", "values", "seeds", "text", "identical"])
    table = rows.groupby(GROUP, sort=True).agg(values=(metric, tuple), seeds=("seed", tuple)).reset_index()
    table["n"] = table["values"].map(len)
    table["mean"] = table["values"].map(lambda v: float(np.mean(v)))
    table["half_width"] = table["values"].map(half_width)
    table["text"] = [interval_text(m, h, n, bounds=METRIC_RANGE) for m, h, n in zip(table["mean"], table["half_width"], table["n"])]
    table["identical"] = (table["n"] > 1) & (table["half_width"] < EQUAL)
    return table[[*GROUP, "mean", "half_width", "n", "values", "seeds", "text", "identical"]]


def find(results: pd.DataFrame, *, data: str, method: str, n_train: int, metric: str = "paper_f") -> Summary | None:
    """The seeds of one (data set, method, N_train) as a :class:`Summary`, or None when it has no results."""
    check_metric(metric)
    rows = results[(results["data"] == data) & (results["method"] == method) & (results["n_train"] == n_train)]
    rows = rows.dropna(subset=[metric]).sort_values("seed")
    if rows.empty:
        return None
    return Summary(data, method, int(n_train), metric, tuple(float(v) for v in rows[metric]), tuple(int(s) for s in rows["seed"]))


def paired_difference(first: Summary, second: Summary) -> Summary | None:
    """``first`` minus ``second`` seed by seed, over the seeds both have; None if they share none.

    Examples
    --------
    >>> a = Summary("d", "adversarial", 4, "paper_f", (0.70, 0.60, 0.80), (0, 1, 2))
    >>> b = Summary("d", "ce", 4, "paper_f", (0.80, 0.72, 0.89), (0, 1, 2))
    >>> paired_difference(a, b).text(signed=True)
    '-10.3 ± 3.8'
    """
    if first.metric != second.metric:
        raise ValueError(f"`second` must hold the same metric as `first` ({first.metric!r}), got {second.metric!r}")
    joined = pd.concat([pd.Series(first.values, index=first.seeds), pd.Series(second.values, index=second.seeds)],
                       axis=1, join="inner").sort_index()  # (shared seeds, 2)
    if joined.empty:
        return None
    values = tuple(float(v) for v in joined[0] - joined[1])
    return Summary(first.data, f"{first.method} − {second.method}", first.n_train, first.metric, values,
                   tuple(int(s) for s in joined.index), bounds=None)


def paired(results: pd.DataFrame, *, data: str, first: str, second: str, n_train: int,
           metric: str = "paper_f") -> Summary | None:
    """``first`` minus ``second`` on ``data`` at ``n_train``, paired by seed (None without shared seeds)."""
    a = find(results, data=data, method=first, n_train=n_train, metric=metric)
    b = find(results, data=data, method=second, n_train=n_train, metric=metric)
    return paired_difference(a, b) if a and b else None
