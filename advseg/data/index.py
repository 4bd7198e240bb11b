"""``index.csv``: the table that assigns each image of a data set folder to train, val or test."""

from __future__ import annotations

import csv
import os
from pathlib import Path

__all__ = ["read_index"]


def read_index(path: str | os.PathLike) -> dict[str, str]:
    """Read ``index.csv`` (columns ``id`` and ``split``; UTF-8, with or without a BOM) as {id: split}.

    Raises
    ------
    ValueError
        Naming the file (and the line) for missing columns, a row without an id or a split,
        an id given twice, or text that is not UTF-8.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: expected a CSV file with columns 'id' and 'split'")
    index: dict[str, str] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # Excel's "CSV UTF-8" starts with a BOM
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not {"id", "split"} <= set(reader.fieldnames):
                raise ValueError(f"{path}: expected columns 'id' and 'split', got {reader.fieldnames}")
            for row in reader:
                name, split = (row.get("id") or "").strip(), (row.get("split") or "").strip()
                if not name or not split:
                    raise ValueError(f"{path}, line {reader.line_num}: a row needs an id and a split, got {row.get('id')!r}, "
                                     f"{row.get('split')!r}")
                if name in index:
                    raise ValueError(f"{path}, line {reader.line_num}: id {name!r} is given twice")
                index[name] = split
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); save it as CSV UTF-8") from error
    return index
