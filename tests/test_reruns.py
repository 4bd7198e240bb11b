"""Setting a cell beside its rerun on another (or the same) device."""

from advseg.experiment.reruns import rerun_summary, rerun_table
from advseg.experiment.results import results_frame


def result(seed: int, f: float, device: str, method: str = "ce") -> dict:
    return {"cell": {"data": "synthetic-h1299-v2", "method": method, "n_train": 4, "seed": seed, "preset": "cpu"},
            "device": device, "evaluation": {"paper": {"f": f}}}


def test_rerun_rows_pair_the_same_cell_and_skip_cells_without_a_first_run():
    first = [result(0, 0.80, "cpu"), result(1, 0.70, "gpu")]
    again = [result(0, 0.83, "gpu"), result(1, 0.70, "gpu"), result(2, 0.9, "gpu")]
    rows = rerun_table(results_frame(first), results_frame(again)).to_dict("records")
    assert [(r["seed"], r["change (points)"]) for r in rows] == [(0, 3.0), (1, 0.0)]
    assert rows[0]["first device"] == "cpu" and rows[0]["rerun device"] == "gpu"


def test_rerun_summary_splits_same_device_from_another_device():
    rows = rerun_table(results_frame([result(0, 0.80, "cpu"), result(1, 0.70, "gpu")]),
                       results_frame([result(0, 0.75, "gpu"), result(1, 0.70, "gpu")]))
    summary = {r["devices"]: r for r in rerun_summary(rows).to_dict("records")}
    assert summary["another device"]["mean |change| (points)"] == 5.0 and summary["another device"]["unchanged"] == 0
    assert summary["same device"]["unchanged"] == 1 and summary["same device"]["largest |change| (points)"] == 0.0
