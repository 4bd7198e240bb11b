"""Read the sweep's result files, aggregate them over seeds, and set them beside the paper's Table 1.

Every number the results chapter shows comes from here, and every number
here comes from a result file written by :func:`advseg.sweep.run_cell`.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "METRICS", "PAPER_TABLE1", "Summary", "aggregate", "cell_table", "coverage_table", "difference_table", "find", "flat_rows", "html_table",
    "load_results", "markdown_table", "method_table", "metric_rows", "metric_value", "paired_difference", "paper_comparison",
    "provenance_table", "ranking_table",
]

# The paper's Table 1 (its H1299 frames, its protocol): column -> (method, N_train, precision, recall, F)
PAPER_TABLE1: dict[str, tuple[str, int | None, float, float, float]] = {
    "ADV-1": ("adversarial", 1, 0.899, 0.820, 0.858),
    "ADV-2": ("adversarial", 2, 0.854, 0.872, 0.863),
    "ADV-4": ("adversarial", 4, 0.868, 0.868, 0.868),
    "ADV-11": ("adversarial", 11, 0.858, 0.865, 0.861),
    "CE Loss-11": ("ce", 11, 0.0243, 0.6711, 0.047),
    "Ilastik": ("ilastik-style", None, 0.885, 0.824, 0.853),  # the paper does not say how much was annotated
}

# metric name -> path into a result file's "evaluation" object
METRICS: dict[str, tuple[str, ...]] = {
    "paper_f": ("paper", "f"),
    "paper_precision": ("paper", "precision"),
    "paper_recall": ("paper", "recall"),
    "f1": ("f1",),
    "f1@0.75": ("thresholds", "0.75", "f1"),
    "ap": ("ap",),
    "pq": ("pq",),
    "seg": ("seg",),
}


def metric_value(result: dict[str, Any], metric: str) -> float:
    """One metric of one result file's contents.

    Examples
    --------
    >>> metric_value({"evaluation": {"paper": {"f": 0.5}}}, "paper_f")
    0.5
    """
    if metric not in METRICS:
        raise ValueError(f"`metric` must be one of {sorted(METRICS)}, got {metric!r}")
    value: Any = result["evaluation"]
    for key in METRICS[metric]:
        value = value[key]
    return float(value)


def load_results(folder: str | os.PathLike, *, preset: str | None = None) -> list[dict[str, Any]]:
    """Every result file under ``folder`` (``<preset>/<data>/<method>/n<N>-s<seed>.json``), sorted.

    Raises
    ------
    FileNotFoundError
        If ``folder`` does not exist.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"`folder` {folder} does not exist; run `advseg sweep` to make result files")
    results = [json.loads(path.read_text()) for path in sorted(folder.glob("*/*/*/n*-s*.json"))]
    if preset is not None:
        results = [r for r in results if r["cell"]["preset"] == preset]
    return sorted(results, key=lambda r: (r["cell"]["data"], r["cell"]["method"], r["cell"]["n_train"], r["cell"]["seed"]))


@dataclass(frozen=True)
class Summary:
    """One cell of a table: a metric over seeds."""

    data: str
    method: str
    n_train: int
    metric: str
    values: tuple[float, ...]  # one per seed, in seed order
    seeds: tuple[int, ...]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def half_width(self) -> float:
        """Half the 95 % confidence interval of the mean (Student's t); NaN for one seed."""
        if self.n < 2:
            return math.nan
        return float(stats.t.ppf(0.975, self.n - 1) * np.std(self.values, ddof=1) / math.sqrt(self.n))

    def text(self, *, percent: bool = True, signed: bool = False) -> str:
        """``mean ± half width`` (the half width left out for one seed); ``signed`` writes a + on positive means.

        Examples
        --------
        >>> Summary("d", "ce", 1, "paper_f", (0.8, 0.9, 0.85), (0, 1, 2)).text()
        '85.0 ± 12.4'
        >>> Summary("d", "ce", 1, "paper_f", (0.05,), (0,)).text(signed=True)
        '+5.0'
        """
        scale = 100 if percent else 1
        digits = 1 if percent else 3
        mean = f"{scale * self.mean:{'+' if signed else ''}.{digits}f}"
        if self.n < 2:
            return mean
        return f"{mean} ± {scale * self.half_width:.{digits}f}"


def paired_difference(first: Summary, second: Summary) -> Summary | None:
    """``first`` minus ``second`` seed by seed, over the seeds both have; None if they share none.

    Cells of the same data set, N_train and seed train on the same images, so
    the paired difference removes the spread that comes from which images
    were drawn; its interval is usually much narrower than either cell's.

    Examples
    --------
    >>> a = Summary("d", "adversarial", 4, "paper_f", (0.70, 0.60, 0.80), (0, 1, 2))
    >>> b = Summary("d", "ce", 4, "paper_f", (0.80, 0.72, 0.89), (0, 1, 2))
    >>> paired_difference(a, b).text(signed=True)
    '-10.3 ± 3.8'
    """
    if first.metric != second.metric:
        raise ValueError(f"`second` must hold the same metric as `first` ({first.metric!r}), got {second.metric!r}")
    seeds = tuple(sorted(set(first.seeds) & set(second.seeds)))
    if not seeds:
        return None
    values = tuple(first.values[first.seeds.index(s)] - second.values[second.seeds.index(s)] for s in seeds)
    return Summary(first.data, f"{first.method} − {second.method}", first.n_train, first.metric, values, seeds)


def aggregate(results: Iterable[dict[str, Any]], metric: str = "paper_f") -> list[Summary]:
    """``metric`` per (data set, method, N_train), over seeds."""
    groups: dict[tuple[str, str, int], list[tuple[int, float]]] = {}
    for result in results:
        cell = result["cell"]
        groups.setdefault((cell["data"], cell["method"], cell["n_train"]), []).append((cell["seed"], metric_value(result, metric)))
    summaries = []
    for (data, method, n_train), pairs in sorted(groups.items()):
        pairs.sort()
        summaries.append(Summary(data, method, n_train, metric, tuple(v for _, v in pairs), tuple(s for s, _ in pairs)))
    return summaries


def paper_comparison(results: Sequence[dict[str, Any]], *, data: str = "synthetic-h1299", ilastik_n_train: int = 11) -> list[dict[str, str]]:
    """Table 1's columns, the paper's numbers beside ours (mean ± 95 % CI over seeds, in %).

    Returns
    -------
    list of dict
        One row per Table 1 column: ``column``, ``ours`` (what we ran),
        then paper/ours precision, recall and F, and ``seeds``.
    """
    rows = []
    for column, (method, n_train, precision, recall, f) in PAPER_TABLE1.items():
        n = n_train if n_train is not None else ilastik_n_train
        ours = {metric: [s for s in aggregate(results, metric) if (s.data, s.method, s.n_train) == (data, method, n)]
                for metric in ("paper_precision", "paper_recall", "paper_f")}
        found = {metric: summaries[0] for metric, summaries in ours.items() if summaries}
        rows.append({
            "column": column, "ours": f"{method}, N_train = {n}",
            "paper P": f"{100 * precision:.1f}", "ours P": found["paper_precision"].text() if found else "—",
            "paper R": f"{100 * recall:.1f}", "ours R": found["paper_recall"].text() if found else "—",
            "paper F": f"{100 * f:.1f}", "ours F": found["paper_f"].text() if found else "—",
            "seeds": str(found["paper_f"].n) if found else "0",
        })
    return rows


def method_table(results: Sequence[dict[str, Any]], *, data: str, metric: str = "paper_f",
                 methods: Sequence[str] | None = None) -> list[dict[str, str]]:
    """One row per method, one column per N_train: ``mean ± 95 % CI`` in % (and the number of seeds)."""
    summaries = [s for s in aggregate(results, metric) if s.data == data and (methods is None or s.method in methods)]
    n_trains = sorted({s.n_train for s in summaries})
    order = list(methods) if methods is not None else sorted({s.method for s in summaries})
    rows = []
    for method in order:
        found = {s.n_train: s for s in summaries if s.method == method}
        if found:
            rows.append({"method": method} | {f"N_train = {n}": f"{found[n].text()} ({found[n].n})" if n in found else "—"
                                              for n in n_trains})
    return rows


def difference_table(results: Sequence[dict[str, Any]], *, data: str, first: str, second: str, metric: str = "paper_f",
                     n_trains: Sequence[int] = (1, 2, 4, 11)) -> list[dict[str, Any]]:
    """Per N_train: ``first``, ``second`` and their difference paired by seed (mean ± 95 % CI, in %)."""
    rows = []
    for n_train in n_trains:
        a = find(results, data=data, method=first, n_train=n_train, metric=metric)
        b = find(results, data=data, method=second, n_train=n_train, metric=metric)
        difference = paired_difference(a, b) if a and b else None
        rows.append({"N_train": n_train, first: a.text() if a else "—", second: b.text() if b else "—",
                     f"{first} − {second} (paired by seed)": difference.text(signed=True) if difference else "—",
                     "seeds": difference.n if difference else 0})
    return rows


def flat_rows(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One flat row per result file: the cell, its provenance and every metric of :data:`METRICS` (0..1), for CSV."""
    return [{key: r["cell"][key] for key in ("data", "method", "preset", "n_train", "seed")}
            | {"device": r.get("device"), "commit": r.get("commit"), "wall_seconds": r.get("wall_seconds")}
            | {metric: metric_value(r, metric) for metric in METRICS} for r in results]


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    """A Markdown table of ``rows`` (dicts with the same keys).

    Examples
    --------
    >>> print(markdown_table([{"a": 1, "b": "x"}]))
    | a | b |
    |---|---|
    | 1 | x |
    """
    if not rows:
        return "*(no results yet)*"
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(row[k]) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


def find(results: Sequence[dict[str, Any]], *, data: str, method: str, n_train: int, metric: str = "paper_f") -> Summary | None:
    """The summary of one (data, method, N_train), or None when it has no results."""
    matches = [s for s in aggregate(results, metric) if (s.data, s.method, s.n_train) == (data, method, n_train)]
    return matches[0] if matches else None


def html_table(rows: Sequence[dict[str, Any]], *, caption: str = "") -> str:
    """An HTML table of ``rows`` (dicts with the same keys), for notebooks and the book.

    Examples
    --------
    >>> html_table([{"a": 1}], caption="c")
    '<table class="table"><caption>c</caption><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>'
    """
    import html

    if not rows:
        return "<p><em>(no results yet)</em></p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row.values()) + "</tr>" for row in rows)
    caption = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="table">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _cells(results: Sequence[dict[str, Any]], **where: Any) -> list[dict[str, Any]]:
    return [r for r in results if all(r["cell"][key] == value for key, value in where.items())]


def coverage_table(results: Sequence[dict[str, Any]], *, data: Sequence[str], methods: Sequence[str],
                   n_trains: Sequence[int] = (1, 2, 4, 11)) -> list[dict[str, Any]]:
    """Result files (seeds) per (data set, method) and N_train."""
    return [{"data": d, "method": m} | {f"N_train = {n}": len(_cells(results, data=d, method=m, n_train=n)) for n in n_trains}
            for d in data for m in methods]


def ranking_table(results: Sequence[dict[str, Any]], *, data: str, metric: str = "f1", top: int = 8,
                  also: Sequence[str] = ("seg",)) -> list[dict[str, Any]]:
    """The ``top`` (method, N_train) on ``data`` by mean ``metric``, with the metrics ``also``, seeds and seed 0's command."""
    from advseg.sweep import METHODS

    rows = []
    for s in sorted((s for s in aggregate(results, metric) if s.data == data), key=lambda s: -s.mean)[:top]:
        others = {f"{m} (%)": find(results, data=data, method=s.method, n_train=s.n_train, metric=m).text() for m in also}
        run = _cells(results, data=data, method=s.method, n_train=s.n_train)[0]
        rows.append({"method": s.method, "N_train": s.n_train, f"{metric} (%)": s.text()} | others | {"seeds": s.n,
                     "what": METHODS[s.method].description if s.method in METHODS else "", "command": run["command"]})
    return rows


def provenance_table(results: Sequence[dict[str, Any]], *, data: Sequence[str], methods: Sequence[str]) -> list[dict[str, Any]]:
    """Per (data set, method): runs, commits, runs per device, median wall time and the line that regenerates one cell."""
    rows = []
    for d in data:
        for m in methods:
            files = _cells(results, data=d, method=m)
            if files:
                walls = sorted(r["wall_seconds"] for r in files)
                rows.append({"data": d, "method": m, "runs": len(files),
                             "commits": ", ".join(sorted({str(r["commit"])[:9] for r in files})),
                             "devices": ", ".join(f"{device}: {count}" for device, count in sorted(Counter(r["device"] for r in files).items())),
                             "median wall s": walls[len(walls) // 2], "regenerate one cell": files[0]["regenerate"]})
    return rows


def cell_table(results: Sequence[dict[str, Any]], *, metric: str = "paper_f") -> list[dict[str, Any]]:
    """Every result file as a row: the cell, ``metric`` (%), the device and the line that regenerates it."""
    return [{"data": r["cell"]["data"], "method": r["cell"]["method"], "N_train": r["cell"]["n_train"], "seed": r["cell"]["seed"],
             f"{metric} (%)": f"{100 * metric_value(r, metric):.1f}", "device": r.get("device", "—"),
             "regenerate": r.get("regenerate", "—")} for r in results]


def metric_rows(results: Sequence[dict[str, Any]], *, data: str, methods: Sequence[str], n_trains: Sequence[int],
                metrics: Sequence[str] = ("paper_precision", "paper_recall", "paper_f")) -> list[dict[str, Any]]:
    """One row per (method, N_train, metric): mean ± 95 % CI in % and the number of seeds."""
    rows = []
    for method in methods:
        for n_train in n_trains:
            for metric in metrics:
                s = find(results, data=data, method=method, n_train=n_train, metric=metric)
                rows.append({"method": method, "N_train": n_train, "metric": metric, "value (%)": s.text() if s else "—",
                             "seeds": s.n if s else 0})
    return rows
