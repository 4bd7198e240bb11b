"""Frame-by-frame scores of a movie (advseg.experiment.frames)."""

from __future__ import annotations

import pandas as pd
import pytest

from advseg.experiment.frames import load_frame_errors, movie_parts_table


def test_a_csv_without_the_counts_is_refused_naming_the_columns(tmp_path):
    path = tmp_path / "frames.csv"
    pd.DataFrame({"method": ["m"], "frame": ["f0"], "f1": [0.5]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"frame_errors.py CSV, got .*frames.csv without columns \['seed', 'index'"):
        load_frame_errors(path)


def test_parts_pool_counts_not_frame_scores():
    rows = [dict(method="m", seed=0, frame=f"f{i}", index=i, f1=1.0, tp=tp, n_gt=n, n_pred=n, matched=tp, missed=n - tp,
                 false=n - tp, merged=0, split=0) for i, (tp, n) in enumerate([(1, 1), (0, 99), (50, 50)])]
    table = movie_parts_table(pd.DataFrame(rows), parts=1)
    assert table["F1@0.5 (%)"].tolist() == [pytest.approx(100 * 2 * 51 / 300, abs=0.05)]  # not the mean of frame F1s
    with pytest.raises(ValueError, match="`parts` must be at least 1, got 0"):
        movie_parts_table(pd.DataFrame(rows), parts=0)
