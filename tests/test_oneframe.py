"""The one-frame table read from benchmarks/one_frame.py's rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advseg.data.paths import repository_root
from advseg.experiment.oneframe import load_one_frame, one_frame_table


def _row(data: str, variant: str, f1: float, **changes: object) -> dict:
    return {"data": data, "variant": variant, "method": "recommended-flat-fit", "f1": f1, "seg": 0.5, "precision": 0.9,
            "recall": 0.8, "wall_seconds": 600.0, "cpu_threads": 2, "regenerate": "python benchmarks/one_frame.py",
            "frames": 3} | changes


def test_one_frame_table_orders_variants_and_keeps_the_last_run(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([_row("dsb2018", "x2", 0.7), _row("dsb2018", "original", 0.85)]))
    (tmp_path / "b.json").write_text(json.dumps([_row("dsb2018", "x2", 0.75, wall_seconds=1530.0)]))
    table = one_frame_table(load_one_frame(tmp_path))
    assert table["variant"].to_list() == ["original", "x2"]
    assert table["F1@0.5"].to_list() == ["85.0", "75.0"]  # b.json's rerun of x2 replaces a.json's
    assert table["wall (min)"].to_list() == ["10", "26"] and table["threads"].to_list() == [2, 2]


def test_rows_say_how_their_training_steps_ran_and_older_rows_were_float32(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([_row("dsb2018", "original", 0.85), _row("dsb2018", "x2", 0.8, steps="bfloat16")]))
    assert one_frame_table(load_one_frame(tmp_path))["steps"].to_list() == ["float32", "bfloat16"]


def test_load_one_frame_names_a_file_without_the_fields(tmp_path: Path) -> None:
    assert load_one_frame(tmp_path).empty
    row = _row("dsb2018", "x0.5", 0.8)
    del row["recall"]
    (tmp_path / "bad.json").write_text(json.dumps([row]))
    with pytest.raises(ValueError, match=r"bad.json without \['recall'\]"):
        load_one_frame(tmp_path)


def test_the_committed_one_frame_rows_load() -> None:
    folder = repository_root() / "results" / "one-frame"
    rows = load_one_frame(folder)
    assert len(rows) == len(one_frame_table(rows))  # one row per (data, variant)
    assert rows["f1"].between(0, 1).all() and (rows["wall_seconds"] > 0).all()
