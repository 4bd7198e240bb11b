"""Malformed inputs through ``data check``, ``train``, ``segment`` and ``evaluate``, as a hostile user gives them.

Every refusal must be exit status 1 with one line ``advseg CMD: error: ...`` (no traceback) and must leave
nothing half-written. The data set is twelve 128 x 128 images with five disc nuclei each; the training runs are
two cross-entropy steps on 40-px crops (about a second each).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import tifffile
import torch
from skimage.draw import disk

from advseg.cli.main import main
from advseg.data.config import DataConfig
from advseg.nn import PaperEstimator, UNetEstimator
from advseg.nn.config import ModelConfig
from advseg.training.modelfile import save_model

BASE = ["--n-train", "1", "--iterations", "2", "--batch-size", "2", "--device", "cpu"]
TINY = [*BASE, "--set", "crop_size=40"]


def write_dataset(root: Path, *, n: int = 12, binary: bool = False) -> Path:
    """Twelve 128 x 128 uint16 images with five disc nuclei each; index.csv: 8 train, 2 val, 2 test."""
    rng = np.random.default_rng(0)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rows = ["id,split"]
    for i in range(n):
        labels = np.zeros((128, 128), np.uint16)
        for k, (r, c) in enumerate([(25, 25), (25, 100), (64, 64), (100, 25), (100, 100)], start=1):
            rr, cc = disk((r + rng.integers(-5, 6), c + rng.integers(-5, 6)), 9, shape=labels.shape)
            labels[rr, cc] = k
        image = (labels > 0) * 800 + rng.normal(200, 20, labels.shape)
        tifffile.imwrite(root / "images" / f"im{i:02d}.tif", image.astype(np.uint16))
        tifffile.imwrite(root / "masks" / f"im{i:02d}.tif", (labels > 0).astype(np.uint8) * 255 if binary else labels)
        rows.append(f"im{i:02d},{'train' if i < 8 else 'val' if i < 10 else 'test'}")
    (root / "index.csv").write_text("\n".join(rows) + "\n")
    return root


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("hostile") / "cells")


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "model.pt"
    return save_model(path, PaperEstimator(), model_config=ModelConfig(), data_config=DataConfig())


@pytest.fixture(scope="module")
def finished_run(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished two-step cross-entropy run on ``dataset`` (copy it before changing it)."""
    out = tmp_path_factory.mktemp("runs") / "ce"
    assert main(["train", str(dataset), *TINY, "--loss", "ce", "--out", str(out)]) == 0
    return out


def copy_of(folder: Path, tmp_path: Path, name: str = "copy") -> Path:
    return Path(shutil.copytree(folder, tmp_path / name))


def error_line(capsys: pytest.CaptureFixture[str], command: str) -> str:
    """The one error line on stderr (progress bars aside), checked to be the only one and not a traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip() and not line.startswith(("training", "reading", "segmenting")) and ": warning: " not in line]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"advseg {command}: error: "), lines[0]
    return lines[0].removeprefix(f"advseg {command}: error: ")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} if folder.exists() else {}


# ---- 1. non-finite inputs -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_pixels_are_refused_by_check_train_and_segment(dataset, model_file, tmp_path, capsys, value) -> None:
    data = copy_of(dataset, tmp_path)
    image = tifffile.imread(data / "images" / "im09.tif").astype(np.float32)
    image[5, 5:8] = value
    tifffile.imwrite(data / "images" / "im09.tif", image)
    expected = f"{data / 'images' / 'im09.tif'}: image holds 3 non-finite pixel(s) (NaN or infinity) of 16384; " \
               "replace them (e.g. with the image's median) before using it"
    assert main(["data", "check", str(data)]) == 1
    assert error_line(capsys, "data") == expected
    assert main(["train", str(data), *TINY, "--out", str(tmp_path / "run")]) == 1
    assert error_line(capsys, "train") == expected
    assert not (tmp_path / "run").exists()
    out = tmp_path / "labels"
    assert main(["segment", str(model_file), str(data / "images"), "--out", str(out), "--device", "cpu"]) == 1
    assert error_line(capsys, "segment") == expected
    assert not out.exists()  # im00..im08 come first, yet nothing is written


def test_float64_pixels_beyond_float32_are_named_as_such(tmp_path) -> None:
    from advseg.data.io import read_image

    image = np.ones((16, 16))
    image[3, 3] = 1e300  # finite, but infinite once read as float32
    tifffile.imwrite(tmp_path / "huge.tif", image)
    with pytest.raises(ValueError, match=r"huge\.tif: image holds values up to 1e\+300, beyond float32's range \(3\.4e\+38\); rescale"):
        read_image(tmp_path / "huge.tif")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_learning_rate_is_refused_before_anything_is_written(dataset, tmp_path, capsys, value) -> None:
    assert main(["train", str(dataset), *TINY, "--set", f"lr_estimator={value}", "--out", str(tmp_path / "run")]) == 1
    assert error_line(capsys, "train") == f"`lr_estimator` must be a finite number, got {json.loads(value)!r}"
    assert not (tmp_path / "run").exists()


def test_training_stops_when_the_weights_become_non_finite(dataset, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["train", str(dataset), *TINY, "--loss", "ce", "--set", "lr_estimator=1e30", "--out", str(out)]) == 1
    message = error_line(capsys, "train")
    # which guard fires first depends on the CPU's floating point: the weights (by step 2) or the loss (at step 2)
    assert (message.startswith(f"{out}: training diverged by estimator step 2: ") and "hold NaN or infinity" in message
            or message.startswith(f"{out}: training diverged at estimator step 2: the estimator loss is "))
    assert message.endswith("the folder keeps no model and no metrics.json")
    kept = {p.name for p in out.iterdir()}
    assert "run.json" in kept and kept <= {"history.jsonl", "run.json"}  # no model.pt with NaN weights


def test_segment_refuses_a_model_with_non_finite_weights(model_file, dataset, tmp_path, capsys) -> None:
    payload = torch.load(model_file, weights_only=True)
    payload["estimator"]["features.0.0.weight"][0, 0, 0, 0] = float("nan")
    torch.save(payload, tmp_path / "nan.pt")
    assert main(["segment", str(tmp_path / "nan.pt"), str(dataset / "images"), "--out", str(tmp_path / "out")]) == 1
    assert error_line(capsys, "segment") == \
        f"{tmp_path / 'nan.pt'}: 1 weight tensor(s) hold NaN or infinity (first 'features.0.0.weight'); the model is unusable"
    assert not (tmp_path / "out").exists()


# ---- 2. resume only the same run; one source of truth for the configuration -----------------------------------------

@pytest.mark.parametrize(("change", "difference"), [
    (["--loss", "hybrid"], "loss is 'hybrid' now but was 'ce'"),
    (["--loss", "ce", "--seed", "1"], "seed is 1 now but was 0"),
    (["--loss", "ce", "--set", "lr_estimator=0.01"], "configs.train.lr_estimator is 0.01 now but was 0.001"),
    (["--loss", "ce", "--set", "normalize=percentile"], "configs.data.normalize is 'percentile' now but was 'none'"),
    (["--loss", "ce", "--validation-images", "1"], "validation_names has 1 entries now but had 2"),
])
def test_resume_refuses_another_method_configuration_or_seed(finished_run, dataset, tmp_path, capsys, change, difference) -> None:
    run = copy_of(finished_run, tmp_path)
    before = snapshot(run)
    assert main(["train", str(dataset), *TINY, *change, "--out", str(run), "--resume"]) == 1
    assert error_line(capsys, "train") == (f"{run}: cannot resume a different run: {difference} (run.json); "
                                           "resume with the run's own settings, or use --overwrite to replace it")
    assert snapshot(run) == before


def test_resume_refuses_another_data_set(finished_run, dataset, tmp_path, capsys) -> None:
    run, other = copy_of(finished_run, tmp_path), copy_of(dataset, tmp_path, "other")
    before = snapshot(run)
    assert main(["train", str(other), *TINY, "--loss", "ce", "--out", str(run), "--resume"]) == 1
    assert error_line(capsys, "train") == (f"{run}: cannot resume a different run: data is {str(other)!r} now but was "
                                           f"{str(dataset)!r} (run.json); resume with the run's own settings, or use "
                                           "--overwrite to replace it")
    assert snapshot(run) == before


def test_resume_of_the_same_run_may_train_longer(finished_run, dataset, tmp_path, capsys) -> None:
    run = copy_of(finished_run, tmp_path)
    args = ["train", str(dataset), *TINY, "--loss", "ce", "--out", str(run), "--resume"]
    assert main([*args, "--iterations", "3"]) == 0
    assert json.loads((run / "metrics.json").read_text())["steps_estimator"] == 3
    assert json.loads((run / "run.json").read_text())["resumed_at_step"] == 2


def test_a_field_given_by_flag_and_by_set_must_agree(dataset, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["train", str(dataset), *TINY, "--loss", "ce", "--set", "loss=adversarial", "--out", str(out)]) == 1
    assert error_line(capsys, "train") == ("`loss` is given twice with different values: 'ce', and 'adversarial' in "
                                           "`options` (--loss and --set loss=...); give it once")
    assert main(["train", str(dataset), *TINY, "--set", "crop_size=48", "--out", str(out)]) == 1
    assert error_line(capsys, "train") == "`--set crop_size` is given more than once; give each field once"
    assert not out.exists()


def test_set_loss_alone_is_what_trains_and_what_is_recorded(dataset, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["train", str(dataset), *TINY, "--set", "loss=ce", "--set", "seed=3", "--out", str(out)]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["loss"] == run["configs"]["train"]["loss"] == "ce" and run["seed"] == run["configs"]["train"]["seed"] == 3
    assert "(seed 3)" in run["split_rule"]
    assert not any(r.get("loss_d") for r in map(json.loads, (out / "history.jsonl").read_text().splitlines()))


# ---- 3. no tracebacks: --set values, model files, checkpoints -------------------------------------------------------

@pytest.mark.parametrize(("option", "message"), [
    ("crop_size=1.5", "`crop_size` must be an integer, got 1.5"),
    ("crop_size=abc", "`crop_size` must be an integer, got 'abc'"),
    ("crop_size=1000", "crop size 1000 is larger than frame 'im02' (shape (128, 128)); choose a smaller `crop_size`"),
    ("crop_size=32", "`crop_size` 32 does not suit this estimator and discriminator "
                     "(`input_size` must exceed 18 px for these blocks, got 12)"),  # with --loss adversarial (the paper's net)
    ("crop_size=36", "`crop_size` must be a multiple of 8, at least 32, for the unet estimator, got 36"),  # the default's U-Net
    ("crop_size=8", "`crop_size` must be a multiple of 8, at least 32, for the unet estimator, got 8"),  # 1 px at its deepest level
    ("class_weights=[1,2]", "`class_weights` must be a list of 3 finite numbers or null, got [1, 2]"),
    ("class_weights=[1,2,-3]", "`class_weights` must be 3 finite weights >= 0 (background, interior, contour), "
                               "not all 0, got [1.0, 2.0, -3.0]"),
    ("rotate=yes", "`rotate` must be true or false, got 'yes'"),
    ("normalize=1", "`normalize` must be a string, got 1"),
    ("percentiles=[1,2,3]", "`percentiles` must be a list of 2 finite numbers, got [1, 2, 3]"),
    ("seed=-1", "`seed` must be an integer from 0 to 2**32 - 1, got -1"),
    ("seed=18446744073709551616", "`seed` must be an integer from 0 to 2**32 - 1, got 18446744073709551616"),
    ("kernel=4", "`options` must name fields of ModelConfig, DataConfig or TrainConfig, got unknown ['kernel']"),
])
def test_set_values_are_checked_before_anything_is_written(dataset, tmp_path, capsys, option, message) -> None:
    out = tmp_path / "run"
    args = BASE if option.startswith("crop_size") else TINY
    if option == "crop_size=32":
        args = [*BASE, "--loss", "adversarial"]
    assert main(["train", str(dataset), *args, "--set", option, "--out", str(out)]) == 1
    assert error_line(capsys, "train") == message
    assert not out.exists()


def test_set_values_do_not_harm_a_previous_run_under_overwrite(finished_run, dataset, tmp_path, capsys) -> None:
    run = copy_of(finished_run, tmp_path)
    before = snapshot(run)
    assert main(["train", str(dataset), *TINY, "--set", "class_weights=[1,2]", "--out", str(run), "--overwrite"]) == 1
    assert error_line(capsys, "train").startswith("`class_weights` must be")
    assert snapshot(run) == before


def _edited_model(model_file: Path, path: Path, edit) -> Path:
    payload = torch.load(model_file, weights_only=True)
    edit(payload)
    torch.save(payload, path)
    return path


@pytest.mark.parametrize(("edit", "message"), [
    (lambda p: p["estimator"].pop("head.1.weight"),
     "weights do not fit the paper estimator its configuration describes: 1 missing (e.g. 'head.1.weight')"),
    (lambda p: p.update(estimator=UNetEstimator().state_dict()),
     "weights do not fit the paper estimator its configuration describes: 25 missing (e.g. 'features.0.0.weight'), "
     "79 unexpected (e.g. 'enc1.0.0.weight')"),
    (lambda p: p["model_config"].update(layer4_kernel=4),
     "weights do not fit the paper estimator its configuration describes: 1 of another shape (e.g. 'features.3.0.weight')"),
    (lambda p: p["model_config"].update(estimator="vgg"), "invalid configuration in the model file: "
     "`estimator` must be one of ['paper', 'unet'], got 'vgg'"),
    (lambda p: p["model_config"].update(layer4_kernel="3"), "invalid configuration in the model file: "
     "`layer4_kernel` must be an integer, got '3'"),
    (lambda p: p.pop("data_config"), "damaged advseg model file (no data_config)"),
    (lambda p: p.update(version=99), "model file version 99 is not one this advseg reads (up to 1)"),
    (lambda p: p.update(format="other"), "not an advseg model file (no 'advseg-model' marker)"),
])
def test_model_files_that_do_not_fit_fail_in_one_line(model_file, dataset, tmp_path, capsys, edit, message) -> None:
    path = _edited_model(model_file, tmp_path / "bad.pt", edit)
    assert main(["segment", str(path), str(dataset / "images" / "im00.tif"), "--out", str(tmp_path / "out")]) == 1
    assert error_line(capsys, "segment") == f"{path}: {message}"
    assert not (tmp_path / "out").exists()


def test_a_damaged_model_file_fails_in_one_line(model_file, dataset, tmp_path, capsys) -> None:
    path = tmp_path / "cut.pt"
    path.write_bytes(model_file.read_bytes()[:5000])
    assert main(["segment", str(path), str(dataset / "images"), "--out", str(tmp_path / "out")]) == 1
    assert error_line(capsys, "segment").startswith(f"{path}: not an advseg model file (cannot be read as one: ")


@pytest.mark.parametrize(("damage", "message"), [
    (lambda run: (run / "checkpoint.pt").write_bytes((run / "checkpoint.pt").read_bytes()[:4096]),
     "cannot read the checkpoint (RuntimeError: PytorchStreamReader failed reading zip archive: failed finding central "
     "directory); start the run again with --overwrite"),
    (lambda run: (run / "checkpoint.pt").write_bytes(b""), "cannot read the checkpoint ("),
    (lambda run: shutil.copy(run / "model.pt", run / "checkpoint.pt"),
     "not a checkpoint of an advseg run (no opt_e, sampler, torch_rng); start the run again with --overwrite"),
    (lambda run: torch.save({"estimator": {}}, run / "checkpoint.pt"),
     "not a checkpoint of an advseg run (no opt_e, sampler, torch_rng); start the run again with --overwrite"),
    (lambda run: torch.save(__import__("collections").OrderedDict(a=__import__("fractions").Fraction(1, 2)), run / "checkpoint.pt"),
     "cannot read the checkpoint (UnpicklingError: "),
])
def test_a_damaged_or_foreign_checkpoint_fails_in_one_line(finished_run, dataset, tmp_path, capsys, damage, message) -> None:
    run = copy_of(finished_run, tmp_path)
    damage(run)
    before = snapshot(run)
    assert main(["train", str(dataset), *TINY, "--loss", "ce", "--out", str(run), "--resume"]) == 1
    assert error_line(capsys, "train").startswith(f"{run / 'checkpoint.pt'}: {message}")
    assert snapshot(run) == before  # run.json untouched: the folder stays as it was


def test_a_checkpoint_of_another_architecture_fails_in_one_line(finished_run, dataset, tmp_path, capsys) -> None:
    unet = tmp_path / "unet"
    assert main(["train", str(dataset), *TINY, "--loss", "ce", "--set", "estimator=unet", "--out", str(unet)]) == 0
    run = copy_of(finished_run, tmp_path)
    shutil.copy(unet / "checkpoint.pt", run / "checkpoint.pt")
    capsys.readouterr()
    assert main(["train", str(dataset), *TINY, "--loss", "ce", "--out", str(run), "--resume"]) == 1
    assert error_line(capsys, "train") == (f"{run / 'checkpoint.pt'}: checkpoint was made with a different model "
                                           "configuration (estimator 'unet' then, 'paper' now); start a new run")


# ---- 4. evaluate: margins, folders that are not labels, segment's side outputs --------------------------------------

@pytest.mark.parametrize(("margin", "message"), [
    ("-5", "`margin` must be a whole number of pixels >= 0 (10 mimics the paper's VALID output), got -5"),
    ("1000", "`margin` (1000 px per side) leaves nothing of {gt}/im00.tif (128 x 128); it must be at most 63"),
    ("64", "`margin` (64 px per side) leaves nothing of {gt}/im00.tif (128 x 128); it must be at most 63"),
])
def test_evaluate_refuses_a_margin_that_leaves_nothing(dataset, capsys, margin, message) -> None:
    gt = dataset / "masks"
    assert main(["evaluate", str(gt), str(gt), "--margin", margin]) == 1
    assert error_line(capsys, "evaluate") == message.format(gt=gt)


def test_evaluate_accepts_the_largest_margin(dataset, capsys) -> None:
    assert main(["evaluate", str(dataset / "masks"), str(dataset / "masks"), "--margin", "10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["paper"]["f"] == 1.0


def test_evaluate_refuses_intensity_images_as_ground_truth(dataset, tmp_path, capsys) -> None:
    gt = copy_of(dataset / "images", tmp_path, "raw")
    assert main(["evaluate", str(gt), str(dataset / "masks")]) == 1
    message = error_line(capsys, "evaluate")
    assert message.startswith(f"{gt / 'im00.tif'}: not an instance-label image: ")
    assert message.endswith("it looks like an intensity or class image, not instance labels; give the label images "
                            "(one id per nucleus, 0 for background), not the microscopy images")
    noise = tmp_path / "noise"
    noise.mkdir()
    tifffile.imwrite(noise / "im00.tif", np.random.default_rng(0).integers(0, 60000, (128, 128)).astype(np.uint16))
    assert main(["evaluate", str(noise), str(noise)]) == 1
    assert "(fewer than 16 pixels per id): it looks like an intensity image" in error_line(capsys, "evaluate")
    floats = tmp_path / "floats"
    floats.mkdir()
    tifffile.imwrite(floats / "im00.tif", tifffile.imread(gt / "im00.tif").astype(np.float32) + 0.5)
    assert main(["evaluate", str(floats), str(floats)]) == 1
    assert error_line(capsys, "evaluate") == (f"{floats / 'im00.tif'}: mask holds non-integer values (float32); expected "
                                              "integer instance labels, not an intensity or probability image")


def test_evaluate_skips_segments_probability_maps(dataset, model_file, tmp_path, capsys) -> None:
    out = tmp_path / "pred"
    images = [str(dataset / "images" / f"im0{i}.tif") for i in range(2)]
    assert main(["segment", str(model_file), *images, "--out", str(out), "--save-probabilities", "--device", "cpu"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["im00_labels.tif", "im00_probs.tif", "im01_labels.tif", "im01_probs.tif"]
    capsys.readouterr()
    assert main(["evaluate", str(dataset / "masks"), str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_images"] == 12
    for path in out.glob("*_labels.tif"):
        path.unlink()
    assert main(["evaluate", str(dataset / "masks"), str(out)]) == 1
    assert error_line(capsys, "evaluate") == f"{out}: no label images found (only 2 probability map(s) *_probs.tif, which are not labels)"


# ---- 5. binary masks ------------------------------------------------------------------------------------------------

def test_binary_masks_are_refused_with_a_way_out(tmp_path, capsys) -> None:
    data = write_dataset(tmp_path / "binary", binary=True)
    expected = ("{mask}: not an instance-label image: its one id (255) covers 5 separate regions, "
                "so it would count as 1 nucleus: it looks like a binary mask; label its connected regions with "
                "--binary-masks (binary_masks=True), or save one id per nucleus, e.g. skimage.measure.label(mask)")
    assert main(["data", "check", str(data)]) == 1
    assert error_line(capsys, "data") == expected.format(mask=data / "masks" / "im00.tif")
    assert main(["evaluate", str(data / "masks"), str(data / "masks")]) == 1
    assert error_line(capsys, "evaluate") == expected.format(mask=data / "masks" / "im00.tif")
    assert main(["train", str(data), *TINY, "--loss", "ce", "--out", str(tmp_path / "run")]) == 1
    assert error_line(capsys, "train") == expected.format(mask=data / "masks" / "im02.tif")  # the training image is read first
    assert not (tmp_path / "run").exists()

    assert main(["data", "check", str(data), "--binary-masks"]) == 0
    assert "nuclei        60 (per image: min 5, median 5, max 5)" in capsys.readouterr().out
    assert main(["evaluate", str(data / "masks"), str(data / "masks"), "--binary-masks", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_gt"] == 60 and result["f1"] == 1.0
    assert main(["train", str(data), *TINY, "--loss", "ce", "--binary-masks", "--out", str(tmp_path / "run")]) == 0
    assert json.loads((tmp_path / "run" / "run.json").read_text())["binary_masks"] is True


def test_empty_training_masks_name_the_frames(tmp_path, capsys) -> None:
    data = write_dataset(tmp_path / "empty")
    for mask in (data / "masks").iterdir():
        tifffile.imwrite(mask, np.zeros((128, 128), np.uint16))
    assert main(["train", str(data), *TINY, "--loss", "ce", "--out", str(tmp_path / "run")]) == 1
    assert error_line(capsys, "train") == (f"{data}: the training frame(s) ['im02'] hold no annotated nucleus; "
                                           "masks must label each nucleus with its own id > 0")
    assert not (tmp_path / "run").exists()


# ---- 6. leftovers and permissions -----------------------------------------------------------------------------------

def _stale(path: Path) -> Path:
    path.write_bytes(b"")
    os.utime(path, (time.time() - 3600, time.time() - 3600))
    return path


def test_stale_temporaries_are_removed_on_the_next_start(finished_run, dataset, model_file, tmp_path, capsys) -> None:
    run = copy_of(finished_run, tmp_path)
    leftovers = [_stale(run / ".checkpoint.pt.k1ll3d_x.tmp"), _stale(run / ".model.pt.0a1b2c3d.tmp")]
    keep = run / "notes.txt"
    keep.write_text("mine")
    assert main(["train", str(dataset), *TINY, "--loss", "ce", "--out", str(run), "--resume"]) == 0
    assert not any(p.exists() for p in leftovers) and keep.exists()

    out = tmp_path / "labels"
    image = str(dataset / "images" / "im00.tif")
    assert main(["segment", str(model_file), image, "--out", str(out), "--device", "cpu"]) == 0
    leftover = _stale(out / ".im00_labels.a1b2c3d4.tif")
    assert main(["segment", str(model_file), image, "--out", str(out), "--device", "cpu", "--overwrite"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["im00_labels.tif"] and not leftover.exists()


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_outputs_get_the_permissions_of_a_normal_write(dataset, model_file, tmp_path, umask) -> None:
    old = os.umask(umask)
    try:
        run, labels = tmp_path / "run", tmp_path / "labels"
        assert main(["train", str(dataset), *TINY, "--loss", "ce", "--out", str(run)]) == 0
        assert main(["segment", str(model_file), str(dataset / "images" / "im00.tif"), "--out", str(labels)]) == 0
        (tmp_path / "plain").write_text("x")
    finally:
        os.umask(old)
    expected = 0o666 & ~umask
    assert (tmp_path / "plain").stat().st_mode & 0o777 == expected
    for path in [run / "model.pt", run / "checkpoint.pt", run / "run.json", run / "metrics.json", labels / "im00_labels.tif"]:
        assert path.stat().st_mode & 0o777 == expected, (path.name, oct(path.stat().st_mode & 0o777))


# ---- 7. a run killed before its first checkpoint --------------------------------------------------------------------

def test_a_run_killed_before_its_first_checkpoint_says_to_overwrite(finished_run, dataset, tmp_path, capsys) -> None:
    run = copy_of(finished_run, tmp_path)
    for name in ("checkpoint.pt", "model.pt", "metrics.json"):  # as a kill before the first checkpoint leaves it
        (run / name).unlink()
    args = ["train", str(dataset), *TINY, "--loss", "ce", "--out", str(run)]
    assert main([*args, "--resume"]) == 1
    assert error_line(capsys, "train") == (f"{run}: nothing to resume: the run stopped before its first checkpoint "
                                           "(no checkpoint.pt); start it again with --overwrite")
    assert main(args) == 1
    assert error_line(capsys, "train") == (f"{run}: folder is not empty: it holds a run that stopped before its first "
                                           "checkpoint and cannot be resumed; start it again with --overwrite")
    assert main([*args, "--overwrite"]) == 0


def test_a_rerun_into_a_run_folder_names_the_flag_it_needs(finished_run, dataset, tmp_path, capsys) -> None:
    run = copy_of(finished_run, tmp_path)
    args = ["train", str(dataset), *TINY, "--loss", "ce", "--out", str(run)]
    assert main(args) == 1
    assert error_line(capsys, "train") == (f"{run}: folder is not empty: it holds a finished run; use --overwrite to "
                                           "replace it, or choose another --out")
    (run / "metrics.json").unlink()
    assert main(args) == 1
    assert error_line(capsys, "train") == (f"{run}: folder is not empty: it holds an unfinished run; continue it with "
                                           "--resume, or replace it with --overwrite")


def test_an_unwritable_target_is_named_not_its_hidden_temporary(tmp_path, monkeypatch) -> None:
    from advseg.data import atomic

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(args[0]))

    monkeypatch.setattr(atomic.os, "open", refuse)  # as a folder one may not write to does (root ignores the mode bits)
    with pytest.raises(PermissionError) as error:
        atomic.write_text_atomic(tmp_path / "run.json", "{}")
    assert error.value.filename == str(tmp_path / "run.json") and str(error.value).endswith(f"'{tmp_path / 'run.json'}'")
