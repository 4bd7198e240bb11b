"""The Table 1 sweep: its grid, each cell's command and its result file (the workflow is in test_workflow.py)."""

from __future__ import annotations

import json

import pytest

from advseg.experiment.grid import Cell, grid
from advseg.experiment.previews import read_preview
from advseg.experiment.sweep import cell_command, is_done, regenerate_command, run_cell
from advseg.training.methods import METHODS


def test_grid_puts_seeds_outermost_so_an_early_stop_covers_every_cell():
    cells = grid(data=["synthetic-h1299", "dsb2018"], methods=["ce", "watershed"], n_train=[1, 11], seeds=[0, 1])
    assert len(cells) == 16
    assert [c.seed for c in cells] == [0] * 8 + [1] * 8
    assert {(c.data, c.method, c.n_train) for c in cells[:8]} == {(c.data, c.method, c.n_train) for c in cells[8:]}


def test_grid_rejects_unknown_methods():
    with pytest.raises(ValueError, match=r"`methods` must be among .* got \['adv'\]"):
        grid(methods=["adv"])


def test_estimator_cell_runs_the_training_notebook_with_its_parameters():
    cell = Cell(seed=2, data="dsb2018", n_train=4, method="ce-double-softmax")
    command = cell_command(cell, runs="runs/sweep")
    assert command[:3] == ["papermill", "book/train.ipynb", "runs/sweep/cpu/dsb2018/ce-double-softmax/n4-s2/train.ipynb"]
    parameters = dict(zip(command[command.index("-p") + 1::3], command[command.index("-p") + 2::3]))
    assert {"n_train": "4", "loss": "ce", "seed": "2", "dataset": "dsb2018", "evaluate_images": "None"}.items() <= parameters.items()
    assert json.loads(command[command.index("-y") + 1]) == {"options": {"double_softmax": True}}
    assert parameters["postprocess"] == "paper"
    assert "watershed" in cell_command(Cell(seed=0, data="dsb2018", n_train=365, method="unet-ce-ws"), runs="r")


def test_baseline_cell_runs_advseg_baseline():
    cell = Cell(seed=0, data="synthetic-h1299", n_train=11, method="ilastik-style")
    assert cell_command(cell, runs="r")[:4] == ["advseg", "baseline", "ilastik-style", "synthetic-h1299"]
    assert cell.result_path("results") .as_posix() == "results/cpu/synthetic-h1299/ilastik-style/n11-s0.json"
    assert regenerate_command(cell).startswith("advseg sweep --data synthetic-h1299 --methods ilastik-style --n-train 11 --seeds 0")


def test_every_method_is_an_estimator_or_a_baseline():
    for name, method in METHODS.items():
        assert method.is_estimator != (method.baseline is not None), name


def test_a_truncated_result_file_is_not_done(tmp_path):
    cell = Cell(seed=0, data="synthetic-h1299", n_train=1, method="ce")
    path = cell.result_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"cell": {')
    assert not is_done(cell, results=tmp_path)


@pytest.mark.slow
def test_a_cell_writes_its_preview_and_then_its_result_file_with_provenance(tmp_path):
    cell = Cell(seed=0, data="synthetic-h1299", n_train=1, method="watershed")
    run_cell(cell, results=tmp_path / "results", runs=tmp_path / "runs", threads=1, preview=True)
    result = json.loads(cell.result_path(tmp_path / "results").read_text())
    assert result["command"].startswith("advseg baseline watershed synthetic-h1299 --n-train 1 --seed 0")
    assert {"cell", "method", "regenerate", "commit", "device", "cpu_threads", "started", "wall_seconds", "train_names",
            "train_seconds", "evaluation"} <= result.keys()
    assert 0.0 <= result["evaluation"]["paper"]["f"] <= 1.0 and result["evaluation"]["n_images"] == 57
    preview = read_preview(cell, results=tmp_path / "results")
    assert len(preview.names) == 3 and preview.labels[0].shape == (256, 320) and preview.labels[0].max() > 10
    assert (tmp_path / "runs/cpu/synthetic-h1299/watershed/n1-s0/log.txt").is_file()
    assert not list((tmp_path / "results").rglob("*.partial"))


def test_a_failed_cell_leaves_no_result_file_and_says_why(tmp_path):
    cell = Cell(seed=0, data=str(tmp_path / "no-such-set"), n_train=1, method="watershed")
    with pytest.raises(RuntimeError, match=r"advseg exited with 1; last lines of .*log.txt"):
        run_cell(cell, results=tmp_path / "results", runs=tmp_path / "runs")
    assert not cell.result_path(tmp_path / "results").exists()


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_option_names_a_configuration_field(name):
    from advseg.training.presets import get_preset

    method = METHODS[name]
    preset = get_preset("cpu", options=dict(method.options))
    for key, value in method.options:
        config = next(c for c in (preset.model, preset.data, preset.train) if hasattr(c, key))
        assert getattr(config, key) == value
