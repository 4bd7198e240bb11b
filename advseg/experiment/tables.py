"""The results chapter's tables, computed on the results DataFrame with pandas and rendered by pandas.

Each function takes the frame of :func:`advseg.experiment.results.load_results`
and returns a small DataFrame whose cells are already formatted as the book
shows them (``mean ± 95 % CI`` in %); :func:`markdown_table` and
:func:`html_table` render any of them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from advseg.experiment.results import PAPER_TABLE1
from advseg.experiment.statistics import find, paired, summarize
from advseg.training.methods import METHODS

__all__ = ["EXTERNAL_ANCHORS", "ablation_table", "cell_table", "coverage_table", "difference_by_metric", "difference_table",
           "html_table", "markdown_table", "method_rows", "method_table", "metric_rows", "minutes", "paper_comparison", "peer_table",
           "provenance_table", "ranking_table", "seeds_below", "with_anchors"]

DASH = "—"  # a cell without results

# Published numbers on the same kind of data, never run here: (data set, name, {metric: value}, source and caveat)
EXTERNAL_ANCHORS: tuple[tuple[str, str, dict[str, float], str], ...] = (
    ("dsb2018", "StarDist (published example)", {"f1": 0.910},
     "external anchor, not run here: StarDist's DSB2018 example (stardist examples/2D/2_training.ipynb), "
     "F1 at IoU 0.5 on its own validation split of DSB2018, not our test split"),
)


def markdown_table(table: pd.DataFrame) -> str:
    """A Markdown table of ``table`` (no index).

    Examples
    --------
    >>> print(markdown_table(pd.DataFrame([{"a": 1, "b": "x"}])))
    | a   | b   |
    |:----|:----|
    | 1   | x   |
    """
    if table.empty:
        return "*(no results yet)*"
    return table.to_markdown(index=False, disable_numparse=True)


COLLAPSED = ("command", "regenerate", "regenerate one cell")  # long commands: one click away
WRAPPED = ("claim", "what", "topic", "paper's text", "original code (advseg default)", "difference", "measured by")  # prose


def _cell(value: object) -> str:
    """A cell as text: whole floats without decimals, other floats to 3 decimals, missing values as a dash."""
    if isinstance(value, float):
        if value != value:  # NaN
            return DASH
        return f"{value:.0f}" if value.is_integer() else f"{value:.3f}"
    return html.escape(str(value))


def _collapsed(value: object) -> str:
    text = html.escape(str(value))
    return text if text == DASH else f'<details><summary>show</summary><code>{text}</code></details>'


def html_table(table: pd.DataFrame, *, caption: str = "") -> str:
    """An HTML table of ``table`` (no index) for notebooks and the book, rendered by pandas' Styler.

    The table sits in a box that scrolls sideways when it is wider than the
    page's column; numbers do not wrap; commands (:data:`COLLAPSED` columns)
    are folded into a click-to-show block; prose columns (:data:`WRAPPED`) wrap.

    Examples
    --------
    >>> out = html_table(pd.DataFrame([{"a": 1, "command": "advseg sweep"}]), caption="c")
    >>> "<caption>c</caption>" in out and "<details>" in out and "overflow-x:auto" in out
    True
    """
    if table.empty:
        return "<p><em>(no results yet)</em></p>"
    folded = [c for c in table.columns if c in COLLAPSED]
    styler = table.style.hide(axis="index").set_table_attributes('class="table advseg-table"')
    styler = styler.format(_cell, subset=[c for c in table.columns if c not in folded])
    if folded:
        styler = styler.format(_collapsed, subset=folded)
    classes = pd.DataFrame([["wrap" if c in WRAPPED else "nowrap" for c in table.columns]] * len(table),
                           index=table.index, columns=table.columns)
    styler = styler.set_td_classes(classes).set_table_styles(
        [{"selector": "td.nowrap", "props": "white-space: nowrap;"},
         {"selector": "td.wrap", "props": "white-space: normal; min-width: 14em;"}], overwrite=False)
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return f'<div class="advseg-scroll" style="overflow-x:auto;max-width:100%;">{styler.to_html()}</div>'


def _text(summary) -> str:  # a Summary or None
    return summary.text() if summary is not None else DASH


def paper_comparison(results: pd.DataFrame, *, data: str = "synthetic-h1299-v2", ilastik_n_train: int = 11) -> pd.DataFrame:
    """Table 1's columns, the paper's numbers beside ours (mean ± 95 % CI over seeds, in %).

    Returns
    -------
    pandas.DataFrame
        One row per Table 1 column: ``column``, ``ours`` (what we ran),
        then paper/ours precision, recall and F, and ``seeds``.
    """
    rows = []
    for column, (method, n_train, precision, recall, f) in PAPER_TABLE1.items():
        n = n_train if n_train is not None else ilastik_n_train
        ours = {m: find(results, data=data, method=method, n_train=n, metric=m) for m in ("paper_precision", "paper_recall", "paper_f")}
        rows.append({"column": column, "ours": f"{method}, N_train = {n}",
                     "paper P": f"{100 * precision:.1f}", "ours P": _text(ours["paper_precision"]),
                     "paper R": f"{100 * recall:.1f}", "ours R": _text(ours["paper_recall"]),
                     "paper F": f"{100 * f:.1f}", "ours F": _text(ours["paper_f"]),
                     "seeds": str(ours["paper_f"].n) if ours["paper_f"] else "0"})
    return pd.DataFrame(rows)


def method_table(results: pd.DataFrame, *, data: str, metric: str = "paper_f", methods: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per method, one column per N_train: ``mean ± 95 % CI (seeds)`` in % (see :func:`~advseg.experiment.statistics.interval_text`)."""
    cells = summarize(results[results["data"] == data], metric)
    if methods is not None:
        cells = cells[cells["method"].isin(methods)]
    if cells.empty:
        return pd.DataFrame()
    cells = cells.assign(shown=[t if same else f"{t} ({n})" for t, n, same in zip(cells["text"], cells["n"], cells["identical"])])
    table = cells.pivot(index="method", columns="n_train", values="shown").fillna(DASH)
    order = [m for m in (methods if methods is not None else sorted(table.index)) if m in table.index]
    table = table.loc[order].rename(columns=lambda n: f"N_train = {n}")
    return table.rename_axis(columns=None).reset_index()


def difference_table(results: pd.DataFrame, *, data: str, first: str, second: str, metric: str = "paper_f",
                     n_trains: Sequence[int] = (1, 2, 4, 11)) -> pd.DataFrame:
    """Per N_train: ``first``, ``second`` and their difference paired by seed (mean ± 95 % CI, in %)."""
    rows = []
    for n_train in n_trains:
        difference = paired(results, data=data, first=first, second=second, n_train=n_train, metric=metric)
        rows.append({"N_train": n_train, first: _text(find(results, data=data, method=first, n_train=n_train, metric=metric)),
                     second: _text(find(results, data=data, method=second, n_train=n_train, metric=metric)),
                     f"{first} − {second} (paired by seed)": difference.text(signed=True) if difference else DASH,
                     "seeds": difference.n if difference else 0})
    return pd.DataFrame(rows)


def difference_by_metric(results: pd.DataFrame, *, data: str, first: str, second: str,
                         metrics: Sequence[str] = ("paper_f", "f1", "seg"), n_trains: Sequence[int] = (1, 2, 4, 11)) -> pd.DataFrame:
    """Per N_train: ``first`` minus ``second`` paired by seed under each of ``metrics`` (points, mean ± 95 % CI)."""
    rows = []
    for n_train in n_trains:
        row: dict[str, object] = {"N_train": n_train}
        for metric in metrics:
            difference = paired(results, data=data, first=first, second=second, n_train=n_train, metric=metric)
            row[f"{metric}: {first} − {second}"] = difference.text(signed=True) if difference else DASH
        rows.append(row)
    return pd.DataFrame(rows)


def ablation_table(results: pd.DataFrame, *, data: str, reference: str, variants: Sequence[str],
                   n_trains: Sequence[int] = (1, 4), metric: str = "paper_f") -> pd.DataFrame:
    """One row per method (``reference`` first, then ``variants``): per N_train its score and its difference
    from ``reference`` paired by seed (mean ± 95 % CI, in %), and the seeds behind each score.

    Methods without a result file on ``data`` at any of ``n_trains`` are left out; an empty frame when none has one.
    """
    rows = []
    for method in (reference, *variants):
        summaries = [find(results, data=data, method=method, n_train=n, metric=metric) for n in n_trains]
        if all(summary is None for summary in summaries):
            continue
        row: dict[str, object] = {"method": method}
        for n_train, summary in zip(n_trains, summaries):
            difference = paired(results, data=data, first=method, second=reference, n_train=n_train, metric=metric)
            row[f"N_train = {n_train}"] = _text(summary)
            row[f"N_train = {n_train}: paired difference"] = (
                "reference" if method == reference else difference.text(signed=True) if difference else DASH)
        row["seeds"] = ", ".join(str(summary.n) if summary else DASH for summary in summaries)
        rows.append(row)
    return pd.DataFrame(rows)


def seeds_below(results: pd.DataFrame, *, data: str, methods: Sequence[str], threshold: float = 0.5,
                metric: str = "paper_f", n_trains: Sequence[int] = (1, 2, 4, 11)) -> pd.DataFrame:
    """Per method and N_train: how many seeds score below ``threshold`` (``"k of n"``; a dash without result files)."""
    rows = []
    for method in methods:
        row: dict[str, object] = {"method": method}
        for n_train in n_trains:
            summary = find(results, data=data, method=method, n_train=n_train, metric=metric)
            row[f"N_train = {n_train}"] = f"{sum(v < threshold for v in summary.values)} of {summary.n}" if summary else DASH
        rows.append(row)
    return pd.DataFrame(rows)


def method_rows(methods: Sequence[str]) -> pd.DataFrame:
    """The sweep methods named: their description, loss and the configuration fields they change."""
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"`methods` must be names of advseg.training.methods.METHODS, got unknown {unknown}")
    return pd.DataFrame([{"method": name, "what it changes": METHODS[name].description, "loss": METHODS[name].loss or DASH,
                          "fields": ", ".join(f"{k}={v!r}" for k, v in METHODS[name].options) or DASH} for name in methods])


def coverage_table(results: pd.DataFrame, *, data: Sequence[str], methods: Sequence[str],
                   n_trains: Sequence[int] = (1, 2, 4, 11)) -> pd.DataFrame:
    """Result files (seeds) per (data set, method) and N_train."""
    counts = results.groupby(["data", "method", "n_train"]).size()
    index = pd.MultiIndex.from_product([list(data), list(methods), list(n_trains)], names=["data", "method", "n_train"])
    table = counts.reindex(index, fill_value=0).unstack("n_train")
    table = table.reindex(index.droplevel("n_train").unique())[list(n_trains)]  # the order asked for
    return table.rename(columns=lambda n: f"N_train = {n}").rename_axis(columns=None).reset_index()


def ranking_table(results: pd.DataFrame, *, data: str, metric: str = "f1", top: int | None = 8,
                  also: Sequence[str] = ("seg",)) -> pd.DataFrame:
    """The ``top`` (method, N_train) on ``data`` by mean ``metric`` (all with None), with ``also``, seeds and seed 0's command."""
    on_data = results[results["data"] == data]
    cells = summarize(on_data, metric).sort_values("mean", ascending=False, kind="stable")
    cells = cells.head(top) if top is not None else cells
    rows = []
    for cell in cells.itertuples():
        others = {f"{m} (%)": _text(find(on_data, data=data, method=cell.method, n_train=cell.n_train, metric=m)) for m in also}
        first = on_data[(on_data["method"] == cell.method) & (on_data["n_train"] == cell.n_train)].iloc[0]
        rows.append({"method": cell.method, "N_train": cell.n_train, f"{metric} (%)": cell.text} | others
                    | {"seeds": cell.n, "what": METHODS[cell.method].description if cell.method in METHODS else "",
                       "command": first["command"]})
    return pd.DataFrame(rows)


def with_anchors(table: pd.DataFrame, *, data: str, metric: str = "f1") -> pd.DataFrame:
    """``table`` (from :func:`ranking_table`) with the published anchors of ``data`` appended as marked rows."""
    rows = [{"method": name, "N_train": "its own split", f"{metric} (%)": f"{100 * values[metric]:.1f}", "seeds": DASH,
             "what": source, "command": DASH} for d, name, values, source in EXTERNAL_ANCHORS if d == data and metric in values]
    return pd.concat([table, pd.DataFrame(rows)], ignore_index=True).fillna(DASH) if rows else table


def provenance_table(results: pd.DataFrame, *, data: Sequence[str], methods: Sequence[str]) -> pd.DataFrame:
    """Per (data set, method): runs, commits, runs per device, median wall time and the line that regenerates one cell."""
    chosen = results[results["data"].isin(data) & results["method"].isin(methods)]
    if chosen.empty:
        return pd.DataFrame()
    devices = chosen.groupby(["data", "method", "device"]).size()
    table = chosen.groupby(["data", "method"]).agg(
        runs=("seed", "size"),
        commits=("commit", lambda c: ", ".join(sorted({str(x)[:9] for x in c}))),
        median_wall=("wall_seconds", lambda w: sorted(w)[len(w) // 2]),
        regenerate=("regenerate", "first"),
    ).reset_index()
    table.insert(4, "devices", [", ".join(f"{d}: {n}" for d, n in devices.loc[(a, b)].items())
                                for a, b in zip(table["data"], table["method"])])
    table = table.rename(columns={"median_wall": "median wall s", "regenerate": "regenerate one cell"})
    order = {key: i for i, key in enumerate((d, m) for d in data for m in methods)}  # the order asked for
    table["order"] = [order[key] for key in zip(table["data"], table["method"])]
    return table.sort_values("order").drop(columns="order").reset_index(drop=True)


def cell_table(results: pd.DataFrame, *, metric: str = "paper_f") -> pd.DataFrame:
    """Every result file as a row: the cell, ``metric`` (%), the device and the line that regenerates it."""
    table = results[["data", "method", "n_train", "seed"]].rename(columns={"n_train": "N_train"})
    table[f"{metric} (%)"] = [f"{100 * v:.1f}" for v in results[metric]]
    table["device"] = results["device"].fillna(DASH)
    table["regenerate"] = results["regenerate"].fillna(DASH)
    return table.reset_index(drop=True)


def peer_table(results: pd.DataFrame, *, data: str, methods: Sequence[str] = ("recommended", "cellpose-scratch"),
               n_trains: Sequence[int] = (1, 2, 4, 11, 365)) -> pd.DataFrame:
    """Methods side by side at each N_train: F1@0.5, SEG, precision, recall (mean ± 95 % CI, %), wall time and device.

    Rows are (N_train, method) pairs with at least one result file; ``wall (min)`` is the median over
    seeds of a cell's wall time (training and scoring the evaluation frames) on ``device``.
    """
    rows = []
    for n_train in n_trains:
        for method in methods:
            summaries = {metric: find(results, data=data, method=method, n_train=n_train, metric=metric)
                         for metric in ("f1", "seg", "precision", "recall")}
            if summaries["f1"] is None:
                continue
            cell = results[(results["data"] == data) & (results["method"] == method) & (results["n_train"] == n_train)]
            rows.append({"N_train": n_train, "method": method} | {name: _text(s) for name, s in (
                ("F1@0.5", summaries["f1"]), ("SEG", summaries["seg"]), ("precision", summaries["precision"]),
                ("recall", summaries["recall"]))} | {"wall (min)": minutes(cell["wall_seconds"].median()),
                                                     "device": ", ".join(sorted(set(cell["device"].fillna(DASH)))),
                                                     "seeds": summaries["f1"].n})
    columns = ["N_train", "method", "F1@0.5", "SEG", "precision", "recall", "wall (min)", "device", "seeds"]
    return pd.DataFrame(rows, columns=columns)


def metric_rows(results: pd.DataFrame, *, data: str, methods: Sequence[str], n_trains: Sequence[int],
                metrics: Sequence[str] = ("paper_precision", "paper_recall", "paper_f")) -> pd.DataFrame:
    """One row per (method, N_train, metric): mean ± 95 % CI in % and the number of seeds."""
    rows = []
    for method in methods:
        for n_train in n_trains:
            for metric in metrics:
                s = find(results, data=data, method=method, n_train=n_train, metric=metric)
                rows.append({"method": method, "N_train": n_train, "metric": metric, "value (%)": _text(s), "seeds": s.n if s else 0})
    return pd.DataFrame(rows)


def minutes(seconds: float) -> str:
    """Seconds as whole minutes for a table; a dash for a missing time."""
    return DASH if pd.isna(seconds) else f"{seconds / 60:.0f}"
