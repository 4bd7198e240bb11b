"""``advseg train`` end to end on the embedded data (a few steps)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advseg.cli.main import main
from advseg.training.modelfile import load_model


@pytest.mark.slow
def test_train_writes_a_run_folder_and_resumes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    args = ["train", "synthetic-h1299", "--n-train", "1", "--loss", "hybrid", "--out", str(out),
            "--iterations", "3", "--batch-size", "2", "--device", "cpu"]
    assert main(args) == 0
    assert "selected step 3" in capsys.readouterr().out
    for name in ("model.pt", "history.jsonl", "metrics.json", "run.json", "checkpoint.pt"):
        assert (out / name).is_file(), name
    run = json.loads((out / "run.json").read_text())
    assert run["n_train"] == 1 and len(run["train_names"]) == 1 and run["preset"] == "cpu"
    assert run["configs"]["train"]["iterations"] == 3
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.0 <= metrics["validation"]["val_paper_f"] <= 1.0 and metrics["n_validation"] == 4
    loaded = load_model(out / "model.pt")
    assert loaded.metadata["n_train"] == 1
    assert 12 < loaded.metadata["diameter"] < 30  # the training frame's median nucleus diameter, px

    assert main(args) == 1  # a non-empty run folder is refused
    assert "folder is not empty" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0  # already finished: resuming does no more steps
    assert json.loads((out / "metrics.json").read_text())["steps_estimator"] == 3
    assert main([*args, "--overwrite"]) == 0


@pytest.mark.slow
def test_train_defaults_to_the_recommended_method(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from advseg.evaluation.postprocess import min_size_for
    from advseg.training.methods import DEFAULT_METHOD, METHODS

    out = tmp_path / "run"
    args = ["train", "synthetic-h1299", "--n-train", "1", "--iterations", "2", "--batch-size", "2", "--device", "cpu"]
    assert main([*args, "--set", "crop_size=64", "--out", str(out)]) == 0
    assert f"method: {DEFAULT_METHOD} (the default" in capsys.readouterr().out
    configs = json.loads((out / "run.json").read_text())["configs"]
    # --set and the flags change the default's fields
    expected = dict(METHODS[DEFAULT_METHOD].options) | {"crop_size": 64, "iterations": 2, "batch_size": 2}

    for field, value in expected.items():
        part = next(part for part in ("model", "data", "train") if field in configs[part])
        assert configs[part][field] == (list(value) if isinstance(value, tuple) else value), field
    assert configs["train"]["loss"] == "ce" and configs["model"]["unet_depth"] == 3
    metadata = load_model(out / "model.pt").metadata
    assert metadata["min_size"] == min_size_for(metadata["diameter"])  # relative: a tenth of the training nuclei's area
    assert configs["data"]["normalize"] == "flat" and set(metadata["split"]) == {"depth", "barrier", "f1", "default_f1"}
    assert main([*args, "--loss", "adversarial", "--out", str(tmp_path / "paper")]) == 0  # a loss: the paper's estimator
    paper = json.loads((tmp_path / "paper" / "run.json").read_text())["configs"]
    assert paper["model"]["estimator"] == "paper" and paper["train"]["optimizer"] == "rmsprop_tf"
    assert load_model(tmp_path / "paper" / "model.pt").metadata["min_size"] == 50


@pytest.mark.slow
def test_train_on_a_folder_of_one_annotated_frame(one_frame_folder: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", str(one_frame_folder), "--n-train", "1", "--iterations", "2", "--batch-size", "2", "--device", "cpu",
                 "--set", "crop_size=64", "--evaluate", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "chosen on its training frames" in printed.err
    assert "frames: few frames (1 annotated, too few for the 70/15/15 split): 1 of 1 train images (seed 0), no validation" in printed.out
    assert "not scored: no annotated frame is left for it" in printed.out
    assert json.loads((out / "run.json").read_text())["validation_names"] == ["t000"]
    assert "evaluation" not in json.loads((out / "metrics.json").read_text()) and (out / "model.pt").is_file()


def test_train_refuses_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "synthetic-h1299", "--n-train", "12", "--out", str(tmp_path / "r")]) == 1
    assert "`n_train` must be between 1 and 11" in capsys.readouterr().err
    assert main(["train", str(tmp_path / "nothing"), "--n-train", "1", "--out", str(tmp_path / "r")]) == 1
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["train", "synthetic-h1299", "--n-train", "1", "--out", str(tmp_path / "r2"), "--resume"]) == 1
    assert "nothing to resume" in capsys.readouterr().err


def test_train_validates_on_as_many_images_as_the_sweep_cells(capsys: pytest.CaptureFixture[str]) -> None:
    from advseg.cli.main import build_parser
    from advseg.experiment.grid import VALIDATION_IMAGES as CELLS

    parse = build_parser().parse_args
    base = ["train", "dsb2018", "--n-train", "1", "--out", "r"]
    assert parse(base).validation_images == CELLS == 16  # the CLI's default model selection is the measured cells'
    assert parse([*base, "--validation-images", "all"]).validation_images is None
    assert parse([*base, "--validation-images", "3"]).validation_images == 3
    for bad in ("0", "-2", "some"):
        with pytest.raises(SystemExit):
            parse([*base, "--validation-images", bad])
        assert "must be a positive whole number of images or 'all'" in capsys.readouterr().err


def test_train_suggests_bfloat16_steps_only_on_a_cpu_that_computes_in_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import advseg.utils
    from advseg.cli.main import build_parser
    from advseg.cli.train import _bf16_hint

    base = ["train", "synthetic-h1299", "--n-train", "1", "--out", "r", "--device", "cpu"]
    args = build_parser().parse_args(base)
    for flag, expected in (("avx512_bf16", True), ("", False), (None, False)):
        monkeypatch.setattr(advseg.utils, "cpu_bfloat16", lambda flag=flag: flag)
        assert (_bf16_hint(args, {}) is not None) is expected, flag
    monkeypatch.setattr(advseg.utils, "cpu_bfloat16", lambda: "amx_bf16")
    assert "(amx_bf16): --set bf16_cpu=true" in _bf16_hint(args, {})
    assert _bf16_hint(args, {"bf16_cpu": True}) is None  # already asked for
    assert _bf16_hint(args, {"bf16_cpu": False}) is None  # float32 chosen


def test_the_default_trains_in_bfloat16_only_on_a_cpu_that_computes_in_it(monkeypatch: pytest.MonkeyPatch,
                                                                          capsys: pytest.CaptureFixture) -> None:
    import advseg.utils
    from advseg.cli.main import build_parser
    from advseg.cli.train import _bf16_hint, _method

    base = ["train", "synthetic-h1299", "--n-train", "1", "--out", "r", "--device", "cpu"]
    monkeypatch.setattr(advseg.utils, "cpu_bfloat16", lambda: "avx512_bf16")
    _, options, _, _ = _method(build_parser().parse_args(base))
    assert options["bf16_cpu"] is True and _bf16_hint(build_parser().parse_args(base), options) is None
    assert "training steps in bfloat16: this CPU computes in it (avx512_bf16)" in capsys.readouterr().out
    _, options, _, _ = _method(build_parser().parse_args([*base, "--set", "bf16_cpu=false"]))
    assert options["bf16_cpu"] is False  # the user's choice wins
    _, options, _, _ = _method(build_parser().parse_args([*base, "--method", "recommended-flat-fit"]))
    assert "bf16_cpu" not in options  # a named method trains as the sweep's cells
    monkeypatch.setattr(advseg.utils, "cpu_bfloat16", lambda: None)
    _, options, _, _ = _method(build_parser().parse_args(base))
    assert "bf16_cpu" not in options
    assert "bfloat16" not in capsys.readouterr().out
