"""The cpu preset against the paper's: the table and the kept validation curves."""

import json

import matplotlib
import pytest

matplotlib.use("Agg")

from advseg.experiment.budget import budget_table, load_validation_histories, plot_validation_histories, save_validation_history
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


def test_validation_history_needs_a_history(tmp_path):
    with pytest.raises(FileNotFoundError, match="`run_dir` must hold a history.jsonl"):
        save_validation_history(tmp_path, tmp_path / "a.json")
