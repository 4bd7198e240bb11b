"""A cell scored from another cell's model: methods that differ only in post-processing."""

from __future__ import annotations

import dataclasses
import json

import pytest

from advseg.experiment.grid import Cell
from advseg.experiment.rescore import rescore_cell, same_training
from advseg.training.methods import METHODS


def test_methods_that_differ_only_in_postprocessing_train_the_same_model():
    assert same_training("recommended", "recommended-split") and same_training("recommended", "recommended-min50")
    assert not same_training("recommended", "recommended-intensity")  # another configuration field
    assert not same_training("recommended", "watershed")  # a baseline trains no model


def test_a_rescore_refuses_another_training_and_its_own_method(tmp_path):
    cell = Cell(seed=0, data="synthetic-h1299-v2", n_train=1, method="recommended-split")
    with pytest.raises(ValueError, match="`source_method` must train the same model as 'recommended-split'"):
        rescore_cell(cell, source_method="recommended-intensity", results=tmp_path, runs=tmp_path)
    with pytest.raises(ValueError, match="`source_method` must be another method"):
        rescore_cell(cell, source_method="recommended-split", results=tmp_path, runs=tmp_path)
    with pytest.raises(FileNotFoundError, match="the source cell's result file is missing"):
        rescore_cell(cell, source_method="recommended", results=tmp_path, runs=tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(("source_method", "method"), [("recommended", "recommended-split"),
                                                        ("recommended-flat", "recommended-flat-fit")])
def test_a_rescored_cell_scores_the_source_model_as_its_training_run_would(source_method, method, tmp_path, monkeypatch):
    from advseg.data import splits as splits_module
    from advseg.training.modelfile import load_model
    from advseg.training.runs import train_run

    real = splits_module.make_splits
    monkeypatch.setattr(splits_module, "make_splits", lambda data, **kw: dataclasses.replace(
        real(data, **kw), evaluation=real(data, **kw).evaluation[:2]))  # two evaluation frames keep it short
    source = Cell(seed=0, data="synthetic-h1299-v2", n_train=1, method=source_method)
    results, runs = tmp_path / "results", tmp_path / "runs"
    options = dict(METHODS[source_method].options) | {"iterations": 2, "batch_size": 2, "validate_every": 1}
    postprocess = METHODS[method].postprocess
    # the source run, scored by its trainer with the rescored method's post-processing: the rescore must reproduce it
    trained = train_run("synthetic-h1299-v2", n_train=1, seed=0, out=source.run_dir(runs), loss="ce", options=options,
                        validation_images=1, evaluate_images=2, postprocess=postprocess, min_size=None, progress=False)
    with pytest.raises(FileNotFoundError, match="the source cell's result file"):
        rescore_cell(Cell(seed=0, data="synthetic-h1299-v2", n_train=1, method=method),
                     source_method=source_method, results=results, runs=runs)
    source.result_path(results).parent.mkdir(parents=True)
    source.result_path(results).write_text(json.dumps({"train_names": [s.name for s in trained.splits.train], "wall_seconds": 7.0,
                                                       "selected_step": 2, "n_validation": 1, "regenerate": "advseg sweep ..."}))
    cell = Cell(seed=0, data="synthetic-h1299-v2", n_train=1, method=method)
    result = rescore_cell(cell, source_method=source_method, results=results, runs=runs, preview=True)
    assert json.loads(cell.result_path(results).read_text()) == result
    assert result["rescored_from"].endswith(f"{source_method}/n1-s0.json") and result["selected_step"] == 2
    assert result["postprocess"] == postprocess and result["wall_seconds"] >= 7.0
    assert result["evaluation"]["f1"] == pytest.approx(trained.metrics["evaluation"]["f1"])
    assert result["evaluation"]["n_pred"] == trained.metrics["evaluation"]["n_pred"]
    if postprocess == "watershed-fit":  # fitted on the same validation frame, recorded by both
        assert result["split"] == trained.metrics["split"] == load_model(source.run_dir(runs) / "model.pt").metadata["split"]
        assert set(result["split"]) == {"depth", "barrier", "f1", "default_f1"}
    else:
        assert "split" not in result and "split" not in trained.metrics
    assert (cell.result_path(results).parent / "n1-s0.preview.npz").is_file()
    assert not list(results.rglob("*.partial"))
