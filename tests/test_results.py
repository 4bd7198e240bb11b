"""The results DataFrame: loading result files, seed statistics, paired differences and the chapter's tables."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from advseg.experiment.results import PAPER_TABLE1, load_results, metric_value, results_frame
from advseg.experiment.statistics import find, paired, paired_difference, summarize
from advseg.experiment.tables import (
    ablation_table,
    cell_table,
    coverage_table,
    difference_table,
    html_table,
    markdown_table,
    method_rows,
    method_table,
    metric_rows,
    paper_comparison,
    peer_table,
    provenance_table,
    ranking_table,
    seeds_below,
)


def result(method: str, n_train: int, seed: int, f: float, data: str = "synthetic-h1299-v2") -> dict:
    return {"cell": {"data": data, "method": method, "n_train": n_train, "seed": seed, "preset": "cpu"},
            "evaluation": {"paper": {"f": f, "precision": f, "recall": f}, "f1": f, "seg": f, "ap": f, "pq": f,
                           "thresholds": {"0.75": {"f1": f}}}}


def frame(*results: dict) -> pd.DataFrame:
    return results_frame(results)


def test_the_frame_has_one_row_per_file_with_cell_provenance_and_flat_metrics():
    df = frame(result("ce", 4, 1, 0.8) | {"device": "cpu", "commit": "abc"}, result("ce", 4, 0, 0.7))
    assert list(df["seed"]) == [0, 1]  # sorted by cell
    assert df.loc[1, "device"] == "cpu" and df.loc[1, "paper_f"] == 0.8 and df.loc[1, "f1@0.75"] == 0.8
    assert df.loc[1, "evaluation.thresholds.0.75.f1"] == 0.8


def test_a_file_without_a_metric_gets_nan_and_an_empty_input_an_empty_frame():
    df = frame({"cell": {"data": "d", "method": "ce", "n_train": 1, "seed": 0, "preset": "cpu"}, "evaluation": {"f1": 0.5}})
    assert math.isnan(df.loc[0, "paper_f"]) and df.loc[0, "f1"] == 0.5
    assert frame().empty and "paper_f" in frame().columns


def test_mean_and_95_percent_interval_over_three_seeds():
    (row,) = summarize(frame(*[result("ce", 4, s, f) for s, f in enumerate((0.8, 0.9, 0.85))])).to_dict("records")
    assert row["mean"] == pytest.approx(0.85)
    assert row["half_width"] == pytest.approx(4.302653 * 0.05 / math.sqrt(3), rel=1e-6)
    assert row["seeds"] == (0, 1, 2) and row["text"] == "85.0 ± 12.4"


def test_an_interval_past_the_metric_range_is_clipped_and_equal_seeds_show_no_interval():
    wide = find(frame(*[result("ce", 4, s, f) for s, f in enumerate((0.05, 0.45, 0.25))]), data="synthetic-h1299-v2", method="ce", n_train=4)
    low, high = wide.mean - wide.half_width, wide.mean + wide.half_width
    assert low < 0 < high < 1 and wide.text() == f"25.0 (0.0–{100 * high:.1f})"
    same = method_table(frame(*[result("watershed", 4, s, 0.902) for s in range(3)]), data="synthetic-h1299-v2")
    assert same.loc[0, "N_train = 4"] == "90.2 (all 3 seeds equal)"


def test_one_seed_has_no_interval():
    summary = find(frame(result("ce", 4, 0, 0.8)), data="synthetic-h1299-v2", method="ce", n_train=4)
    assert math.isnan(summary.half_width) and summary.text() == "80.0"


def test_unknown_metric_names_the_choices():
    with pytest.raises(ValueError, match=r"`metric` must be one of .*got 'F'"):
        metric_value(result("ce", 1, 0, 0.5), "F")
    with pytest.raises(ValueError, match=r"`metric` must be one of .*got 'F'"):
        summarize(frame(result("ce", 1, 0, 0.5)), "F")


def test_paper_comparison_fills_the_columns_we_ran():
    rows = paper_comparison(frame(*[result("adversarial", 1, s, 0.7) for s in range(3)])).to_dict("records")
    assert [r["column"] for r in rows] == list(PAPER_TABLE1)
    assert rows[0]["paper F"] == "85.8" and rows[0]["ours F"] == "70.0 (all 3 seeds equal)" and rows[0]["seeds"] == "3"
    assert rows[1]["ours F"] == "—"


def test_load_results_reads_the_sweep_layout(tmp_path):
    path = tmp_path / "cpu" / "synthetic-h1299-v2" / "ce" / "n4-s1.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(result("ce", 4, 1, 0.8)))
    df = load_results(tmp_path)
    assert list(df["seed"]) == [1] and df.loc[0, "path"] == str(path)
    assert load_results(tmp_path, preset="paper").empty
    with pytest.raises(FileNotFoundError, match="advseg sweep"):
        load_results(tmp_path / "missing")


def test_method_table_pivots_methods_against_n_train():
    table = method_table(frame(result("ce", 1, 0, 0.8), result("ce", 4, 0, 0.7), result("watershed", 4, 0, 0.9)),
                         data="synthetic-h1299-v2", methods=["watershed", "ce"])
    assert table.to_dict("records") == [{"method": "watershed", "N_train = 1": "—", "N_train = 4": "90.0 (1)"},
                                        {"method": "ce", "N_train = 1": "80.0 (1)", "N_train = 4": "70.0 (1)"}]


def test_variant_table_pairs_the_text_choice_with_the_code_choice_by_seed():
    from advseg.experiment.differences import variant_table

    results = frame(result("ce", 4, 0, 0.80), result("ce", 4, 1, 0.90), result("ce-layer4-k4", 4, 0, 0.75))
    rows = variant_table(results).to_dict("records")
    row = next(r for r in rows if r["text"] == "ce-layer4-k4")
    assert row["paper_f: code"] == "85.0 (21.5–100.0)" and row["paper_f: text"] == "75.0" and row["paper_f: change"] == "-5.0"
    untried = next(r for r in rows if r["text"] == "ce-bn-affine")
    assert untried["paper_f: change"] == "—"


def test_selection_optimism_is_validation_minus_evaluation():
    from advseg.experiment.differences import selection_optimism

    (row,) = selection_optimism(frame(result("ce", 4, 0, 0.80) | {"validation": {"val_paper_f": 0.9}})).to_dict("records")
    assert row["optimism (points)"] == 10.0 and row["runs"] == 1


def test_coverage_counts_seeds_per_cell_and_metric_rows_fill_gaps():
    results = frame(result("ce", 4, 0, 0.8), result("ce", 4, 1, 0.9))
    (row,) = coverage_table(results, data=["synthetic-h1299-v2"], methods=["ce"]).to_dict("records")
    assert row["N_train = 4"] == 2 and row["N_train = 1"] == 0
    rows = metric_rows(results, data="synthetic-h1299-v2", methods=["ce"], n_trains=[4, 11], metrics=["paper_f"]).to_dict("records")
    assert [r["seeds"] for r in rows] == [2, 0] and rows[1]["value (%)"] == "—"


def test_paired_difference_uses_the_seeds_both_cells_have():
    results = frame(*[result("adversarial", 4, s, f) for s, f in enumerate((0.70, 0.60, 0.80))],
                    *[result("ce", 4, s, f) for s, f in [(1, 0.70), (2, 0.90), (3, 0.50)]], result("hybrid", 4, 7, 0.5))
    difference = paired(results, data="synthetic-h1299-v2", first="adversarial", second="ce", n_train=4)
    assert difference.seeds == (1, 2) and difference.values == pytest.approx((-0.10, -0.10))
    assert difference.half_width == pytest.approx(0.0, abs=1e-12)
    assert paired(results, data="synthetic-h1299-v2", first="adversarial", second="hybrid", n_train=4) is None


def test_paired_difference_refuses_two_metrics():
    results = frame(result("ce", 4, 0, 0.5))
    a = find(results, data="synthetic-h1299-v2", method="ce", n_train=4, metric="paper_f")
    b = find(results, data="synthetic-h1299-v2", method="ce", n_train=4, metric="seg")
    with pytest.raises(ValueError, match=r"`second` must hold the same metric as `first` \('paper_f'\), got 'seg'"):
        paired_difference(a, b)


def test_difference_table_rows_per_n_train():
    results = frame(*[result("adversarial", 1, s, 0.7 + 0.01 * s) for s in range(3)], *[result("ce", 1, s, 0.8 + 0.01 * s) for s in range(3)])
    rows = difference_table(results, data="synthetic-h1299-v2", first="adversarial", second="ce", n_trains=(1, 2)).to_dict("records")
    assert rows[0]["adversarial − ce (paired by seed)"] == "-10.0 (all 3 seeds equal)" and rows[0]["seeds"] == 3
    assert rows[1]["adversarial"] == "—" and rows[1]["seeds"] == 0


def test_provenance_counts_runs_per_device():
    results = frame(*[result("ce", 1, s, 0.8) | {"device": device, "commit": "abc", "wall_seconds": 10.0, "regenerate": "x"}
                      for s, device in enumerate(["cpu", "gpu", "gpu"])])
    (row,) = provenance_table(results, data=["synthetic-h1299-v2"], methods=["ce"]).to_dict("records")
    assert row["devices"] == "cpu: 1, gpu: 2" and row["runs"] == 3 and row["median wall s"] == 10.0


def test_peer_table_sets_methods_side_by_side_per_n_train_with_wall_time():
    def timed(method, n, seed, f, seconds):
        row = result(method, n, seed, f, data="dsb2018")
        row["evaluation"] |= {"precision": f + 0.1, "recall": f - 0.1}
        return row | {"wall_seconds": seconds, "device": "cpu"}

    results = frame(timed("recommended", 1, 0, 0.7, 600), timed("recommended", 1, 1, 0.8, 900),
                    timed("cellpose-scratch", 1, 0, 0.75, 1200), result("cellpose-scratch", 11, 0, 0.8, data="dsb2018"))
    rows = peer_table(results, data="dsb2018").to_dict("records")
    assert [(r["N_train"], r["method"], r["seeds"], r["wall (min)"], r["device"]) for r in rows] == [
        (1, "recommended", 2, "12", "cpu"), (1, "cellpose-scratch", 1, "20", "cpu"), (11, "cellpose-scratch", 1, "—", "—")]
    assert rows[0]["precision"] == "85.0 (21.5–100.0)" and rows[1]["F1@0.5"] == "75.0" and rows[1]["recall"] == "65.0"


def test_ablation_table_gives_each_variant_and_its_paired_difference_from_the_reference():
    results = frame(*[result("adversarial", 1, s, f) for s, f in enumerate((0.5, 0.6, 0.7))],
                    *[result("adversarial-concat", 1, s, f) for s, f in enumerate((0.4, 0.5, 0.7))],
                    result("adversarial-patch", 4, 0, 0.9), result("adversarial", 4, 1, 0.8))
    rows = ablation_table(results, data="synthetic-h1299-v2", reference="adversarial",
                          variants=["adversarial-concat", "adversarial-patch"], n_trains=(1, 4)).to_dict("records")
    assert [r["method"] for r in rows] == ["adversarial", "adversarial-concat", "adversarial-patch"]
    assert rows[0]["N_train = 1"] == "60.0 ± 24.8" and rows[0]["N_train = 1: paired difference"] == "reference"
    assert rows[1]["N_train = 1: paired difference"] == "-6.7 ± 14.3" and rows[1]["seeds"] == "3, —"
    assert rows[2]["N_train = 4"] == "90.0" and rows[2]["N_train = 4: paired difference"] == "—"  # no seed in common
    assert rows[2]["seeds"] == "—, 1"
    assert ablation_table(results, data="dsb2018", reference="adversarial", variants=["adversarial-concat"]).empty


def test_seeds_below_counts_failed_seeds_per_n_train():
    results = frame(*[result("adversarial", 1, s, f) for s, f in enumerate((0.2, 0.6, 0.0))], result("adversarial", 4, 0, 0.7))
    (row,) = seeds_below(results, data="synthetic-h1299-v2", methods=["adversarial"], n_trains=(1, 4, 11)).to_dict("records")
    assert row == {"method": "adversarial", "N_train = 1": "2 of 3", "N_train = 4": "0 of 1", "N_train = 11": "—"}


def test_method_rows_describe_sweep_methods_and_refuse_unknown_names():
    (row,) = method_rows(["adversarial-sn"]).to_dict("records")
    assert row["loss"] == "adversarial" and row["fields"] == "spectral_norm=True" and "spectral" in row["what it changes"]
    with pytest.raises(ValueError, match="unknown \\['nope'\\]"):
        method_rows(["nope"])


def test_ranking_table_orders_by_the_metric_and_adds_the_others():
    results = frame(*[result("ce", 4, s, 0.8) | {"command": "ce"} for s in range(2)], result("watershed", 4, 0, 0.9) | {"command": "ws"})
    rows = ranking_table(results, data="synthetic-h1299-v2", metric="f1", also=("seg", "pq")).to_dict("records")
    assert [(r["method"], r["f1 (%)"], r["seg (%)"], r["pq (%)"], r["seeds"]) for r in rows] == [
        ("watershed", "90.0", "90.0", "90.0", 1), ("ce", "80.0 (all 2 seeds equal)", "80.0 (all 2 seeds equal)", "80.0 (all 2 seeds equal)", 2)]
    assert rows[0]["command"] == "ws"


def test_cell_table_lists_every_file_with_its_regenerate_line():
    rows = cell_table(frame(result("ce", 4, 1, 0.8) | {"device": "cpu", "regenerate": "advseg sweep --seeds 1"},
                            result("ce", 4, 2, 0.7))).to_dict("records")
    assert rows[0] == {"data": "synthetic-h1299-v2", "method": "ce", "N_train": 4, "seed": 1, "paper_f (%)": "80.0",
                       "device": "cpu", "regenerate": "advseg sweep --seeds 1"}
    assert rows[1]["regenerate"] == "—"


def test_tables_render_through_pandas():
    table = pd.DataFrame([{"method": "ce", "F": "80.0 ± 1.0"}])
    assert markdown_table(table).splitlines()[2] == "| ce       | 80.0 ± 1.0 |"
    html = html_table(table, caption="cap")
    assert '<table' in html and 'class="table advseg-table"' in html and "<caption>cap</caption>" in html and "80.0 ± 1.0" in html
    assert 'overflow-x:auto' in html  # scrolls when wider than the page's column
    assert markdown_table(pd.DataFrame()) == "*(no results yet)*"


def test_verdicts_under_several_metrics_and_where_they_flip():
    from advseg.experiment.claims import verdict_flips, verdict_table

    results = frame(*[result("adversarial", 11, s, f) for s, f in enumerate((0.70, 0.72, 0.71))],
                    *[result("ce", 11, s, f) for s, f in enumerate((0.80, 0.82, 0.81))])
    results.loc[results["method"] == "adversarial", "seg"] = [0.90, 0.91, 0.93]  # better outlines, worse interiors
    table = verdict_table(results, data=["synthetic-h1299-v2"]).set_index("claim")
    row = table.loc["adversarial training beats cross-entropy (ADV-11 > CE-11)"]
    assert row["synthetic-h1299-v2: F"].startswith("not supported (-10.0") and row["synthetic-h1299-v2: SEG"].startswith("holds (+")
    (flip,) = [s for s in verdict_flips(results, data=["synthetic-h1299-v2"]) if "cross-entropy" in s]
    assert "not supported under F" in flip and "holds under SEG" in flip


def test_the_validation_score_that_chose_the_model_is_a_metric_of_its_own():
    rows = [result("hybrid-adv-0.1", 1, s, 0.5) | {"validation": {"val_paper_f": v, "val_f1": v / 2}}
            for s, v in enumerate((0.6, 0.7, 0.8))]
    results = frame(*rows, result("ce", 1, 0, 0.4))
    table = ablation_table(results, data="synthetic-h1299-v2", reference="hybrid-adv-0.1", variants=[], n_trains=(1,),
                           metric="val_paper_f")
    assert table.loc[0, "N_train = 1"].startswith("70.0 ± ")
    assert results.loc[results["method"] == "ce", "val_paper_f"].isna().all()  # a file without validation scores


def test_the_games_claims_pair_the_stable_loss_with_the_same_estimators_cross_entropy():
    from advseg.experiment.claims import GAME_CLAIMS, claim_table

    results = frame(*[result("adversarial-stable", 1, s, f) for s, f in enumerate((0.80, 0.82, 0.81))],
                    *[result("recommended-flat-fit", 1, s, f) for s, f in enumerate((0.78, 0.80, 0.79))])
    table = claim_table(results, data=["synthetic-h1299-v2"], claims=GAME_CLAIMS).set_index("claim")
    row = table.loc[GAME_CLAIMS[0].text]
    assert row["synthetic-h1299-v2: verdict"] == "holds" and row["synthetic-h1299-v2: difference"].startswith("+2.0")
    assert table.loc[GAME_CLAIMS[1].text, "synthetic-h1299-v2: verdict"] == "no results"
    assert len(claim_table(results, data=["synthetic-h1299-v2"])) == 4  # the paper's claims by default


def test_the_peer_claims_pair_the_default_with_cellpose_at_every_n_train_under_f1():
    from advseg.experiment.claims import PEER_CLAIMS, claim_table
    from advseg.training.methods import DEFAULT_METHOD

    assert [c.first for c in PEER_CLAIMS] == [(DEFAULT_METHOD, n) for n in (1, 2, 4, 11, 365)]
    assert {c.second[0] for c in PEER_CLAIMS} == {"cellpose-scratch"}
    results = frame(*[result(DEFAULT_METHOD, 4, s, f, data="dsb2018") for s, f in enumerate((0.70, 0.72, 0.71))],
                    *[result("cellpose-scratch", 4, s, f, data="dsb2018") for s, f in enumerate((0.80, 0.81, 0.83))])
    table = claim_table(results, data=["dsb2018"], metric="f1", claims=PEER_CLAIMS).set_index("claim")
    assert table.loc[PEER_CLAIMS[2].text, "dsb2018: verdict"] == "not supported"
    assert table.loc[PEER_CLAIMS[0].text, "dsb2018: verdict"] == "no results"


def test_the_external_anchor_is_appended_as_a_marked_row():
    from advseg.experiment.tables import with_anchors

    ranked = ranking_table(frame(result("ce", 4, 0, 0.8, data="dsb2018") | {"command": "c"}), data="dsb2018", metric="f1")
    table = with_anchors(ranked, data="dsb2018")
    assert len(table) == 2 and table.loc[1, "f1 (%)"] == "91.0" and "not run here" in table.loc[1, "what"]
    assert with_anchors(ranked, data="synthetic-h1299-v2") is ranked


def test_crops_seen_from_the_file_or_the_presets_budget() -> None:
    import math

    from advseg.experiment.results import crops_seen

    cell = {"data": "d", "n_train": 1, "seed": 0, "preset": "cpu"}
    assert crops_seen({"cell": cell | {"method": "ce"}, "crops_seen": 320}) == 320
    assert crops_seen({"cell": cell | {"method": "ce"}}) == 600 * 16  # the cpu preset, run to the end
    assert crops_seen({"cell": cell | {"method": "unet-ce-ws-crop96"}}) == 2500 * 16  # the method's iterations
    assert crops_seen({"cell": cell | {"method": "ce", "preset": "paper"}}) == 50_000 * 100
    assert math.isnan(crops_seen({"cell": cell | {"method": "watershed"}}))
