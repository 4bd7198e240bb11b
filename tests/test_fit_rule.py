"""The choice rules of benchmarks/fit_rule.py on hand-made match counts."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from advseg.evaluation.split_fit import SPLIT_GRID

_spec = importlib.util.spec_from_file_location("fit_rule", Path(__file__).parents[1] / "benchmarks" / "fit_rule.py")
fit_rule = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fit_rule)

BARRIER = SPLIT_GRID.index((0.05, 0.2))
PLAIN = SPLIT_GRID.index((0.05, None))


def _counts(frames: int, *, tp: dict[int, int]) -> np.ndarray:
    """Every cut finds 800 of 1000 nuclei with 200 false objects, except the cuts in ``tp`` (true positives of 1000)."""
    counts = np.tile(np.array([800, 200, 200]), (frames, len(SPLIT_GRID), 1))
    for cut, hits in tp.items():
        counts[:, cut] = (hits, 1000 - hits, 1000 - hits)
    return counts


def test_pooled_f1_adds_the_frames_counts_first() -> None:
    counts = _counts(2, tp={})
    counts[1, 0] = (0, 0, 1000)  # the second frame: nothing found under the default cut
    f1 = fit_rule.pooled_f1(counts)
    assert f1[0] == pytest.approx(1600 / (1600 + 200 + 1200)) and f1[1] == pytest.approx(0.8)


@pytest.mark.parametrize(("barrier_hits", "chosen"), [(825, {"argmax": BARRIER, "barrier if +0.01": BARRIER,
                                                            "barrier if +0.02": PLAIN, "no barrier": PLAIN}),
                                                      (850, {"argmax": BARRIER, "barrier if +0.02": BARRIER})])
def test_a_barrier_is_chosen_only_past_its_margin(barrier_hits: int, chosen: dict[str, int]) -> None:
    counts = _counts(4, tp={PLAIN: 810, BARRIER: barrier_hits})  # F1 = hits / 1000 here
    rules = fit_rule.rules()
    assert {name: rules[name](counts) for name in chosen} == chosen


def test_simulate_scores_the_choice_on_the_other_frames() -> None:
    counts = _counts(10, tp={BARRIER: 900})  # the barrier is better on every frame: every rule but "no barrier" gains
    summary = fit_rule.simulate(counts, fit_frames=4, draws=5)
    assert summary["argmax"]["mean"] == pytest.approx(0.1) and summary["no barrier"]["mean"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="fit_frames"):
        fit_rule.simulate(counts, fit_frames=10, draws=5)


def test_the_fit_rule_files_read_back_as_a_table(tmp_path: Path) -> None:
    import json

    from advseg.experiment.cuts import fit_rule_table

    kept = {"model": "m.pt", "frames": 95, "fit_frames": 16, "cuts": [{"depth": 0.1, "barrier": None, "f1": 0.8},
                                                                    {"depth": 0.05, "barrier": 0.2, "f1": 0.85}],
            "rules": {"argmax": {"mean": -0.0025, "p5": -0.03, "loses_1pt": 0.2}}}
    (tmp_path / "fit-rule-x.json").write_text(json.dumps(kept))
    (tmp_path / "other.json").write_text("{}")
    row = fit_rule_table(tmp_path).to_dict("records")
    assert row == [{"model": "m.pt", "frames": "chosen on 16 of 95", "default cut F1": "80.0", "best cut F1": "85.0",
                    "argmax": "-0.25 (-3.00)"}]
