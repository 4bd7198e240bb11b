"""The cpu preset against the paper's: the table and the kept validation curves."""

import json

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from advseg.experiment.budget import (budget_curve, budget_gap_table, budget_table, load_validation_histories, plot_budget,
                                      plot_budget_grid, plot_validation_histories, plot_validation_panels,
                                      save_validation_history)
from advseg.experiment.results import results_frame


def result(preset: str, seed: int, f: float) -> dict:
    return {"cell": {"data": "synthetic-h1299-v2", "method": "ce", "n_train": 11, "seed": seed, "preset": preset},
            "device": "gpu", "wall_seconds": 600.0, "evaluation": {"paper": {"f": f}}}


def test_budget_table_sets_each_paper_cell_beside_the_cpu_cell():
    results = results_frame([result("cpu", s, f) for s, f in enumerate((0.8, 0.9, 0.85))] + [result("paper", 0, 0.97)])
    (row,) = budget_table(results).to_dict("records")
    assert row["cpu preset, paper_f (%)"] == "85.0 ± 12.4" and row["paper preset, paper_f (%)"] == "97.0"
    assert row["crops: cpu / paper"] == "9,600 / 5,000,000" and row["paper run"] == "gpu, 10 min"


def make_run(folder, *, last_step: int):
    folder.mkdir(parents=True)
    records = [{"kind": "train", "step_e": s, "loss_e": 1.0} for s in range(50, last_step + 1, 50)]
    records += [{"kind": "validation", "step_e": s, "val_paper_f": s / 1000} for s in range(100, last_step + 1, 100)]
    (folder / "history.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    info = {"data": "synthetic-h1299-v2", "loss": "adversarial", "n_train": 1, "seed": 0, "preset": "paper", "device": "gpu",
            "commit": "abc", "configs": {"train": {"iterations": 1000, "batch_size": 100}}}
    (folder / "run.json").write_text(json.dumps(info))


def test_validation_history_keeps_the_validation_records_and_where_the_run_stopped(tmp_path):
    make_run(tmp_path / "run", last_step=450)
    out = save_validation_history(tmp_path / "run", tmp_path / "kept" / "a.json", note="stopped early")
    (kept,) = load_validation_histories(tmp_path / "kept")
    assert out.is_file() and kept["last_step"] == 450 and kept["iterations"] == 1000 and kept["note"] == "stopped early"
    assert [r["step_e"] for r in kept["validation"]] == [100, 200, 300, 400] and kept["method"] == "adversarial"
    ax = plot_validation_histories([kept])
    assert "stopped at 450 of 1,000" in ax.get_legend().get_texts()[0].get_text()
    assert "seed" not in ax.get_legend().get_texts()[0].get_text()  # one seed: nothing to tell apart


def test_validation_histories_of_several_seeds_are_told_apart_by_seed(tmp_path):
    for seed in (0, 1):
        make_run(tmp_path / f"run{seed}", last_step=1000)
        save_validation_history(tmp_path / f"run{seed}", tmp_path / "kept" / f"n1-s{seed}.json")
    kept = load_validation_histories(tmp_path / "kept")
    for history, seed in zip(kept, (0, 1)):
        history["seed"] = seed
    labels = [text.get_text() for text in plot_validation_histories(kept).get_legend().get_texts()]
    assert labels == ["adversarial, N_train = 1, paper preset, seed 0", "adversarial, N_train = 1, paper preset, seed 1"]


def test_validation_history_needs_a_history(tmp_path):
    with pytest.raises(FileNotFoundError, match="`run_dir` must hold a history.jsonl"):
        save_validation_history(tmp_path, tmp_path / "a.json")


def budget_result(method: str, preset: str, seed: int, f: float, *, data: str = "dsb2018") -> dict:
    crops = {"cpu": 9_600, "cpu-2x": 19_200, "cpu-4x": 38_400, "paper": 5_000_000}[preset]
    return {"cell": {"data": data, "method": method, "n_train": 1, "seed": seed, "preset": preset},
            "device": "gpu" if preset == "paper" else "cpu", "wall_seconds": 60.0, "crops_seen": crops,
            "evaluation": {"paper": {"f": f}}}


def budget_results():
    rows = [budget_result("ce", "cpu", s, f) for s, f in enumerate((0.6, 0.7, 0.8))]
    rows += [budget_result("adversarial", "cpu", s, f) for s, f in enumerate((0.5, 0.5, 0.8))]
    rows += [budget_result("ce", "cpu-2x", 0, 0.75), budget_result("adversarial", "cpu-2x", 0, 0.55),
             budget_result("ce", "cpu-4x", 0, 0.9), budget_result("ce", "paper", 0, 0.95),
             budget_result("watershed", "cpu", 0, 0.7)]
    return results_frame(rows)


def test_budget_curve_orders_each_method_by_crops_and_keeps_seed_0():
    curve = budget_curve(budget_results())
    ce = curve[curve["method"] == "ce"]
    assert list(ce["preset"]) == ["cpu", "cpu-2x", "cpu-4x", "paper"] and list(ce["crops"]) == [9_600, 19_200, 38_400, 5e6]
    first = ce.iloc[0]
    assert first["seeds"] == 3 and abs(first["mean"] - 0.7) < 1e-12 and first["seed0"] == 0.6
    assert abs(first["half_width"] - 0.2484) < 1e-4 and np.isnan(ce.iloc[1]["half_width"])
    assert set(curve["method"]) == {"ce", "adversarial"}  # the baseline has no crops


def test_budget_gap_table_pairs_by_seed_and_skips_budgets_missing_a_method():
    table = budget_gap_table(budget_results(), data="dsb2018")
    assert list(table["preset"]) == ["cpu", "cpu-2x"] and list(table["crops"]) == ["9,600", "19,200"]
    assert table.loc[0, "adversarial − ce (points)"] == "-10.0 ± 24.8" and table.loc[0, "paired seeds"] == "0, 1, 2"
    assert table.loc[1, "adversarial − ce (points)"] == "-20.0" and table.loc[1, "ce (%)"] == "75.0"
    with pytest.raises(ValueError, match="`data` 'synthetic-h1299-v2' has no preset with both"):
        budget_gap_table(budget_results(), data="synthetic-h1299-v2")


def test_plot_budget_draws_a_line_per_method_and_the_paper_point_as_a_star():
    ax = plot_budget(budget_results(), data="dsb2018")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "ce (seed 0)" in labels and "ce, paper preset (gpu)" in labels and "adversarial, mean of 3 seeds" in labels
    assert ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="`metric` must be one of"):
        plot_budget(budget_results(), data="dsb2018", metric="accuracy")
    fig = plot_budget_grid(budget_results(), ["dsb2018"])
    top, bottom = fig.axes
    assert top.get_legend() is not None and bottom.get_legend() is None and top.get_xlabel() == "" and bottom.get_title() == ""
    with pytest.raises(ValueError, match="`results` must be a load_results\\(\\) frame"):
        budget_curve(budget_results().drop(columns=["crops_seen"]))


def test_validation_panels_show_each_key_for_every_run(tmp_path):
    make_run(tmp_path / "run", last_step=450)
    save_validation_history(tmp_path / "run", tmp_path / "kept" / "a.json")
    kept = load_validation_histories(tmp_path / "kept")
    fig = plot_validation_panels(kept * 2, keys=("val_paper_f",), title="two runs")
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 2 + 2 and fig._suptitle.get_text() == "two runs"  # two curves, each ending in a cross
