"""``advseg data synth`` and ``advseg data check``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile

from advseg.cli.main import main
from advseg.data.datasets import load_dataset


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "advseg", *args], capture_output=True, text=True, check=False)


def test_synth_writes_the_folder_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "synth"
    assert main(["data", "synth", "--out", str(out), "--frames", "16", "--seed", "3"]) == 0
    assert "wrote 16 frames (generator version 2) of 512x640" in capsys.readouterr().out
    dataset = load_dataset(out)
    assert len(dataset) == 16 and dataset[0].dtype == "uint16"
    meta = json.loads((out / "protocol.json").read_text())
    assert meta["seed"] == 3 and meta["name"] == "synthetic-h1299-v2" and len(meta["protocol"]["annotated"]) == 15
    assert len(meta["protocol"]["train_pool"]) == 11 and len(meta["protocol"]["validation"]) == 4
    assert tifffile.imread(out / "masks" / "frame_000.tif").dtype == np.uint16


def test_synth_writes_version_1_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "synth", "--out", str(tmp_path / "v1"), "--frames", "16", "--version", "1"]) == 0
    assert "generator version 1" in capsys.readouterr().out
    assert json.loads((tmp_path / "v1" / "protocol.json").read_text())["name"] == "synthetic-h1299-v1"


def test_synth_refuses_a_negative_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "synth", "--out", str(tmp_path / "s"), "--seed", "-1"]) == 1
    assert "`--seed` must be an integer from 0 to 2**32 - 1, got -1" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_synth_refuses_a_non_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.txt").write_text("x")
    assert main(["data", "synth", "--out", str(tmp_path), "--frames", "16"]) == 1
    assert "folder is not empty" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").exists()


def test_check_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    assert main(["data", "synth", "--out", str(out), "--frames", "16"]) == 0
    result = run_cli("data", "check", str(out))
    assert result.returncode == 0, result.stderr
    assert "layout        folder" in result.stdout
    assert "images        16" in result.stdout
    assert "512x640 (16)" in result.stdout and "uint16 (16)" in result.stdout
    assert "splits        " in result.stdout and "split (70/15/15)" in result.stdout


def test_synth_overwrite_leaves_no_frame_of_a_longer_movie(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    assert main(["data", "synth", "--out", str(out), "--frames", "17"]) == 0
    (out / "images" / "mine.txt").write_text("kept")
    assert main(["data", "synth", "--out", str(out), "--frames", "16", "--overwrite"]) == 0
    assert len(list((out / "images").glob("*.tif"))) == len(list((out / "masks").glob("*.tif"))) == 16
    assert (out / "images" / "mine.txt").is_file()


def test_check_says_how_a_few_frames_are_shared(one_frame_folder: Path) -> None:
    result = run_cli("data", "check", str(one_frame_folder))
    assert result.returncode == 0, result.stderr
    assert ("splits        the one frame trains and chooses the model; nothing is left to score on "
            "(few frames (1 annotated, too few for the 70/15/15 split))") in result.stdout


def test_check_on_shared_dsb(dsb_dir: Path) -> None:
    result = run_cli("data", "check", str(dsb_dir), "--split", "val")
    assert result.returncode == 0, result.stderr
    assert "images        95 (split 'val')" in result.stdout
    assert "splits        train 365, val 95, test 81 (index.csv split column)" in result.stdout


def test_check_names_the_first_problem_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    tifffile.imwrite(tmp_path / "images" / "a.tif", np.zeros((8, 8), np.uint8))
    result = run_cli("data", "check", str(tmp_path))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(lines) == 1 and "a.tif: image has no mask" in lines[0]
    assert "Traceback" not in result.stderr


def test_check_on_a_missing_path(tmp_path: Path) -> None:
    result = run_cli("data", "check", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"advseg data: error: {tmp_path / 'nope'}: no such file or folder"
