"""Aggregating result files over seeds, and the paper's table beside ours."""

from __future__ import annotations

import json
import math

import pytest

from advseg.results import PAPER_TABLE1, aggregate, load_results, metric_value, paper_comparison


def result(method: str, n_train: int, seed: int, f: float, data: str = "synthetic-h1299") -> dict:
    return {"cell": {"data": data, "method": method, "n_train": n_train, "seed": seed, "preset": "cpu"},
            "evaluation": {"paper": {"f": f, "precision": f, "recall": f}, "f1": f, "seg": f, "ap": f, "pq": f,
                           "thresholds": {"0.75": {"f1": f}}}}


def test_mean_and_95_percent_interval_over_three_seeds():
    (summary,) = aggregate([result("ce", 4, s, f) for s, f in enumerate((0.8, 0.9, 0.85))])
    assert summary.mean == pytest.approx(0.85)
    assert summary.half_width == pytest.approx(4.302653 * 0.05 / math.sqrt(3), rel=1e-6)
    assert summary.seeds == (0, 1, 2)


def test_one_seed_has_no_interval():
    (summary,) = aggregate([result("ce", 4, 0, 0.8)])
    assert math.isnan(summary.half_width) and summary.text() == "80.0"


def test_unknown_metric_names_the_choices():
    with pytest.raises(ValueError, match=r"`metric` must be one of .*got 'F'"):
        metric_value(result("ce", 1, 0, 0.5), "F")


def test_paper_comparison_fills_the_columns_we_ran():
    rows = paper_comparison([result("adversarial", 1, s, 0.7) for s in range(3)])
    assert [r["column"] for r in rows] == list(PAPER_TABLE1)
    assert rows[0]["paper F"] == "85.8" and rows[0]["ours F"] == "70.0 ± 0.0" and rows[0]["seeds"] == "3"
    assert rows[1]["ours F"] == "—"


def test_load_results_reads_the_sweep_layout(tmp_path):
    path = tmp_path / "cpu" / "synthetic-h1299" / "ce" / "n4-s1.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(result("ce", 4, 1, 0.8)))
    assert [r["cell"]["seed"] for r in load_results(tmp_path)] == [1]
    with pytest.raises(FileNotFoundError, match="advseg sweep"):
        load_results(tmp_path / "missing")


def test_variant_table_pairs_the_text_choice_with_the_code_choice_by_seed():
    from advseg.differences import variant_table

    results = [result("ce", 4, 0, 0.80), result("ce", 4, 1, 0.90), result("ce-layer4-k4", 4, 0, 0.75)]
    row = next(r for r in variant_table(results) if r["text"] == "ce-layer4-k4")
    assert row["paper_f: code"] == "85.0 ± 63.5" and row["paper_f: text"] == "75.0" and row["paper_f: change"] == "-5.0"
    untried = next(r for r in variant_table(results) if r["text"] == "ce-bn-affine")
    assert untried["paper_f: change"] == "—"


def test_selection_optimism_is_validation_minus_evaluation():
    from advseg.differences import selection_optimism

    r = result("ce", 4, 0, 0.80) | {"validation": {"val_paper_f": 0.9}}
    (row,) = selection_optimism([r])
    assert row["optimism (points)"] == 10.0 and row["runs"] == 1


def test_coverage_counts_seeds_per_cell_and_metric_rows_fill_gaps():
    from advseg.results import coverage_table, metric_rows

    results = [result("ce", 4, 0, 0.8), result("ce", 4, 1, 0.9)]
    (row,) = coverage_table(results, data=["synthetic-h1299"], methods=["ce"])
    assert row["N_train = 4"] == 2 and row["N_train = 1"] == 0
    rows = metric_rows(results, data="synthetic-h1299", methods=["ce"], n_trains=[4, 11], metrics=["paper_f"])
    assert [r["seeds"] for r in rows] == [2, 0] and rows[1]["value (%)"] == "—"


def test_paired_difference_uses_the_seeds_both_cells_have():
    from advseg.results import paired_difference

    (a,) = aggregate([result("adversarial", 4, s, f) for s, f in enumerate((0.70, 0.60, 0.80))])
    (b,) = aggregate([result("ce", 4, s, f) for s, f in [(1, 0.70), (2, 0.90), (3, 0.50)]])
    difference = paired_difference(a, b)
    assert difference.seeds == (1, 2) and difference.values == pytest.approx((-0.10, -0.10))
    assert difference.half_width == pytest.approx(0.0, abs=1e-12)
    (c,) = aggregate([result("ce", 4, 7, 0.5)])
    assert paired_difference(a, c) is None


def test_paired_difference_refuses_two_metrics():
    from advseg.results import paired_difference

    (a,) = aggregate([result("ce", 4, 0, 0.5)], "paper_f")
    (b,) = aggregate([result("ce", 4, 0, 0.5)], "seg")
    with pytest.raises(ValueError, match=r"`second` must hold the same metric as `first` \('paper_f'\), got 'seg'"):
        paired_difference(a, b)


def test_difference_table_rows_per_n_train():
    from advseg.results import difference_table

    results = [result("adversarial", 1, s, 0.7 + 0.01 * s) for s in range(3)] + [result("ce", 1, s, 0.8 + 0.01 * s) for s in range(3)]
    rows = difference_table(results, data="synthetic-h1299", first="adversarial", second="ce", n_trains=(1, 2))
    assert rows[0]["adversarial − ce (paired by seed)"] == "-10.0 ± 0.0" and rows[0]["seeds"] == 3
    assert rows[1]["adversarial"] == "—" and rows[1]["seeds"] == 0


def test_provenance_counts_runs_per_device():
    from advseg.results import provenance_table

    results = [result("ce", 1, s, 0.8) | {"device": device, "commit": "abc", "wall_seconds": 10.0, "regenerate": "x"}
               for s, device in enumerate(["cpu", "gpu", "gpu"])]
    (row,) = provenance_table(results, data=["synthetic-h1299"], methods=["ce"])
    assert row["devices"] == "cpu: 1, gpu: 2"


def test_ranking_table_orders_by_the_metric_and_adds_the_others():
    from advseg.results import ranking_table

    results = [result("ce", 4, s, 0.8) | {"command": "ce"} for s in range(2)] + [result("watershed", 4, 0, 0.9) | {"command": "ws"}]
    rows = ranking_table(results, data="synthetic-h1299", metric="f1", also=("seg", "pq"))
    assert [(r["method"], r["f1 (%)"], r["seg (%)"], r["pq (%)"], r["seeds"]) for r in rows] == [
        ("watershed", "90.0", "90.0", "90.0", 1), ("ce", "80.0 ± 0.0", "80.0 ± 0.0", "80.0 ± 0.0", 2)]
    assert rows[0]["command"] == "ws"


def test_cell_table_lists_every_file_with_its_regenerate_line():
    from advseg.results import cell_table

    rows = cell_table([result("ce", 4, 1, 0.8) | {"device": "cpu", "regenerate": "advseg sweep --seeds 1"}, result("ce", 4, 2, 0.7)])
    assert rows[0] == {"data": "synthetic-h1299", "method": "ce", "N_train": 4, "seed": 1, "paper_f (%)": "80.0",
                       "device": "cpu", "regenerate": "advseg sweep --seeds 1"}
    assert rows[1]["regenerate"] == "—"
