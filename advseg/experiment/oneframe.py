"""A user's one annotated frame at other scales and contrasts: the rows of ``benchmarks/one_frame.py``.

The benchmark writes a data set's one-frame split as a user's folder, as it is or
changed (:func:`advseg.data.variants.variant`: ``x0.5``, ``x2`` rescaled; ``dim 8-bit``, a fifth of the 8-bit range), runs
``advseg train FOLDER --n-train 1 --evaluate`` on it and keeps one row per run:
F1@0.5, SEG, precision and recall on the evaluation frames, the wall time,
where it ran and whether its training steps ran in bfloat16. The committed rows lie in ``results/one-frame/*.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from advseg.data.variants import VARIANTS
from advseg.experiment.tables import minutes

__all__ = ["load_one_frame", "one_frame_table"]

_FIELDS = ("data", "variant", "method", "f1", "seg", "precision", "recall", "wall_seconds", "cpu_threads", "regenerate")
_ADDED = {"steps": "float32"}  # fields rows gained later, with the value every earlier row had


def load_one_frame(folder: str | os.PathLike) -> pd.DataFrame:
    """Every row of every ``*.json`` file in ``folder`` (an empty frame when there is none).

    Raises
    ------
    ValueError
        If a file is not a list of the benchmark's rows (it names the file and the missing field).
    """
    rows = []
    for path in sorted(Path(folder).glob("*.json")):
        found = json.loads(path.read_text())
        for row in found if isinstance(found, list) else [found]:
            missing = [field for field in _FIELDS if not isinstance(row, dict) or field not in row]
            if missing:
                raise ValueError(f"`folder` must hold one_frame.py rows, got {path.name} without {missing}")
            rows.append({field: row[field] for field in _FIELDS} | {field: row.get(field, value) for field, value in _ADDED.items()})
    return pd.DataFrame(rows, columns=[*_FIELDS, *_ADDED])


def one_frame_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One line per (data, variant): the scores in %, the wall time in minutes, the threads and the training steps' precision.

    Parameters
    ----------
    rows : pandas.DataFrame
        As :func:`load_one_frame` returns; a (data, variant) pair run twice keeps its last row.
    """
    table = rows.drop_duplicates(["data", "variant"], keep="last").copy()
    order = {name: i for i, name in enumerate(VARIANTS)}
    table = table.sort_values(["data", "variant"], key=lambda c: c.map(order) if c.name == "variant" else c)
    scores = {"F1@0.5": "f1", "SEG": "seg", "precision": "precision", "recall": "recall"}
    out = table[["data", "variant", "method"]].reset_index(drop=True)
    for name, field in scores.items():
        out[name] = [f"{100 * v:.1f}" for v in table[field]]
    out["wall (min)"] = [minutes(s) for s in table["wall_seconds"]]
    out["threads"] = table["cpu_threads"].to_list()
    out["steps"] = table["steps"].to_list()
    return out
