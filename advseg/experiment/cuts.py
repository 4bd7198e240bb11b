"""The cut of touching nuclei each ``watershed-fit`` cell fitted, beside the default cut's scores, and how choice rules fare."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from advseg.experiment.tables import DASH

__all__ = ["fit_rule_table", "fit_table"]


def fit_table(results: pd.DataFrame, *, method: str, reference: str) -> pd.DataFrame:
    """The cut each ``method`` cell fitted on its validation frames, and F1@0.5 (%) there and on the evaluation frames.

    ``method`` scores with ``watershed-fit`` what ``reference`` (the same model, ``watershed-split``)
    scores with the default cut; one row per cell of ``method``.

    Examples
    --------
    >>> rows = [dict(data="d", method="a-fit", n_train=1, seed=0, f1=0.9, **{"split.depth": 0.05, "split.barrier": 0.2,
    ...              "split.default_f1": 0.8, "split.f1": 0.85}), dict(data="d", method="a-split", n_train=1, seed=0, f1=0.88)]
    >>> fit_table(pd.DataFrame(rows), method="a-fit", reference="a-split").iloc[0].to_dict()["evaluation F1: default → fitted"]
    '88.0 → 90.0'
    """
    fitted = results[results["method"] == method]
    rows = []
    for _, row in fitted.sort_values(["data", "n_train", "seed"]).iterrows():
        same = results[(results["method"] == reference) & (results["data"] == row["data"])
                       & (results["n_train"] == row["n_train"]) & (results["seed"] == row["seed"])]
        default = f"{100 * same['f1'].iloc[0]:.1f}" if len(same) else DASH
        barrier = row.get("split.barrier")
        rows.append({"data": row["data"], "N_train": row["n_train"], "seed": row["seed"],
                     "depth (× diameter)": f"{row['split.depth']:g}",
                     "contour barrier": DASH if barrier is None or pd.isna(barrier) else f"{barrier:g}",
                     "validation F1: default → fitted": f"{100 * row['split.default_f1']:.1f} → {100 * row['split.f1']:.1f}",
                     "evaluation F1: default → fitted": f"{default} → {100 * row['f1']:.1f}"})
    return pd.DataFrame(rows)


def fit_rule_table(folder: str | os.PathLike) -> pd.DataFrame:
    """The choice rules' held-out gains over the default cut, one row per ``fit-rule-*.json`` in ``folder``.

    ``benchmarks/fit_rule.py --json`` writes these files: a model's frames, split many times into
    a few that choose the cut and the rest that score it.

    Returns
    -------
    DataFrame
        ``model``, ``frames`` ("chosen on K of N"), the default cut's and the best cut's F1@0.5 on
        every frame (%), and per rule its mean gain in points with its 5th percentile in brackets.
    """
    rows = []
    for path in sorted(Path(folder).glob("fit-rule-*.json")):
        kept = json.loads(path.read_text())
        f1 = [cut["f1"] for cut in kept["cuts"]]
        rows.append({"model": kept["model"], "frames": f"chosen on {kept['fit_frames']} of {kept['frames']}",
                     "default cut F1": f"{100 * f1[0]:.1f}", "best cut F1": f"{100 * max(f1):.1f}"}
                    | {rule: f"{100 * s['mean']:+.2f} ({100 * s['p5']:+.2f})" for rule, s in kept["rules"].items()})
    return pd.DataFrame(rows)
