"""Probed runs kept as result files, their diagnosis table and figure."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from advseg.experiment.probing import diagnosis_table, load_probes, plot_probes, probe_frame, save_probes

MEASURES = ("d_manual", "d_estimated", "d_argmax", "d_softened_manual", "entropy_separability", "d_accuracy",
            "d_swapped_manual", "interior_as_contour", "fraction_contour", "d_mismatched_manual", "d_accuracy_pure",
            "d_accuracy_mixed")


def probed_run(folder: Path) -> Path:
    """A run folder with three probed steps: working (F 0.6), collapsed (F 0.0), working (F 0.5)."""
    folder.mkdir()
    rows = [{"step_e": step, "val_paper_f": f} | {m: value for m in MEASURES}
            for step, f, value in ((100, 0.6, 0.2), (300, 0.0, 0.9), (200, 0.5, 0.4))]
    (folder / "probes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "run.json").write_text(json.dumps({
        "data": "synthetic-h1299-v2", "loss": "adversarial", "n_train": 1, "seed": 0, "preset": "cpu", "device": "cpu",
        "commit": "abc", "configs": {"train": {"iterations": 300}}}))
    return folder


def test_a_probed_run_is_kept_with_its_provenance_and_read_back(tmp_path: Path) -> None:
    out = save_probes(probed_run(tmp_path / "run"), tmp_path / "kept" / "p.json", command="advseg train --probe")
    probes = load_probes(out)
    assert probes["command"] == "advseg train --probe" and probes["commit"] == "abc" and probes["evaluation"] is None
    frame = probe_frame(probes)
    assert list(frame["step_e"]) == [100, 200, 300] and list(frame["collapsed"]) == [False, False, True]


def test_the_diagnosis_sets_working_and_collapsed_steps_apart(tmp_path: Path) -> None:
    frame = probe_frame(load_probes(save_probes(probed_run(tmp_path / "run"), tmp_path / "p.json", command="c")))
    rows = diagnosis_table(frame).to_dict("records")
    assert rows[0]["hypothesis"] == "D wins on softness"
    assert rows[0]["working steps (2)"] == "0.30 / 0.30 / 0.30 / 0.30" and rows[0]["collapsed steps (1)"] == "0.90 / 0.90 / 0.90 / 0.90"
    assert rows[2]["working steps (2)"] == "0.30"
    nothing_collapsed = diagnosis_table(frame[~frame["collapsed"]]).to_dict("records")
    assert nothing_collapsed[0]["collapsed steps (0)"] == "—"


def test_the_figure_has_three_panels(tmp_path: Path) -> None:
    frame = probe_frame(load_probes(save_probes(probed_run(tmp_path / "run"), tmp_path / "p.json", command="c")))
    fig = plot_probes(frame, title="probed")
    assert len(fig.axes) == 3 and fig.axes[0].get_title() == "probed"
    assert len(fig.axes[1].lines) == 6
    plt.close(fig)


def test_a_run_without_probes_or_a_missing_file_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    with pytest.raises(FileNotFoundError, match="must hold a probes.jsonl"):
        save_probes(tmp_path / "run", tmp_path / "p.json", command="c")
    with pytest.raises(FileNotFoundError, match="is not a file"):
        load_probes(tmp_path / "missing.json")


def test_the_foreground_table_lists_each_seed_beside_the_manual_share() -> None:
    import pandas as pd

    from advseg.experiment.probing import foreground_table

    rows = [{"data": "d", "method": m, "n_train": 1, "seed": s, "validation.val_foreground": fg, "precision": p, "f1": f}
            for m, s, fg, p, f in (("ce", 1, 0.05, 0.9, 0.8), ("ce", 0, 0.04, 0.8, 0.7), ("adv", 0, 0.5, 0.2, 0.1))]
    rows.append({"data": "d", "method": "cp", "n_train": 1, "seed": 0, "validation.val_foreground": None, "precision": 1, "f1": 1})
    table = foreground_table(pd.DataFrame(rows), data="d", methods=["adv", "ce", "cp", "none"], n_train=1, manual=0.045)
    assert list(table["method"]) == ["manual", "adv", "ce"]  # a method without a foreground, or without cells, is left out
    ce = table.iloc[2]
    assert ce["seeds"] == "0 / 1" and ce["foreground, validation (%)"] == "4.0 / 5.0" and ce["F1@0.5, test (%)"] == "70.0 / 80.0"
    assert table.iloc[0]["foreground, validation (%)"] == "4.5" and table.iloc[0]["precision, test (%)"] == ""


def test_game_phases_average_each_stretch_of_training() -> None:
    from advseg.experiment.probing import game_phases

    records = [{"kind": "train", "step_e": 10 * k, "d_manual": 0.5 + 0.05 * k, "d_estimated": 0.5 - 0.05 * k, "ce": 1.0}
               for k in range(1, 7)] + [{"kind": "validation", "step_e": 30, "val_nuclei_f1": 0.8, "val_foreground": 0.05},
                                        {"kind": "validation", "step_e": 60, "val_nuclei_f1": 0.2, "val_foreground": 0.5}]
    table = game_phases({"records": records}, bounds=(30,))
    assert list(table["steps"]) == ["1-30", "31-60"]
    assert list(table["D(manual)"]) == ["0.600", "0.750"]
    assert list(table["nuclei F1@0.5, validation (%)"]) == ["80.0", "20.0"]
    assert list(table["called nucleus, validation (%)"]) == ["5.0", "50.0"]
    assert "D steps held back (%)" not in table  # a game that never held D back has no such column
    with pytest.raises(ValueError, match="`history` must hold its training records"):
        game_phases({"validation": []})
