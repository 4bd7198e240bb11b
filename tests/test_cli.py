"""The command line's shape: help, version and error handling."""

from __future__ import annotations

import subprocess
import sys

import pytest

import advseg
from advseg.cli.main import COMMAND_MODULES, main


def test_version_is_importable() -> None:
    assert re_version(advseg.__version__)


def re_version(version: str) -> bool:
    parts = version.split(".")
    return len(parts) == 3 and all(part.isdigit() for part in parts)


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in COMMAND_MODULES:
        assert name in out


def test_no_subcommand_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: advseg" in capsys.readouterr().out


def test_segment_precision_choices_are_the_librarys(capsys: pytest.CaptureFixture[str]) -> None:
    from advseg.evaluation.inference import PRECISIONS

    with pytest.raises(SystemExit):  # the CLI spells them out so that --help need not import torch
        main(["segment", "model.pt", "in", "--out", "out", "--precision", "float64"])
    err = capsys.readouterr().err
    choices = err.split("(choose from ")[1].split(")")[0].replace("'", "").split(", ")
    assert choices == ["auto", *PRECISIONS]


def test_info_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert advseg.__version__ in out and "torch" in out


def test_python_dash_m_runs_the_same_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "advseg", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"advseg {advseg.__version__}"


def test_train_rejects_an_unknown_configuration_field(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train", "synthetic-h1299", "--n-train", "1", "--out", str(tmp_path / "run"), "--set", "kernel=4"])
    assert code == 1
    assert "`options` must name fields of ModelConfig, DataConfig or TrainConfig, got unknown ['kernel']" in capsys.readouterr().err


def test_train_set_needs_field_equals_value(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["train", "synthetic-h1299", "--n-train", "1", "--out", "x", "--set", "unet"])
    assert "expected FIELD=VALUE" in capsys.readouterr().err


def _write_result(folder, method: str, seed: int, f: float) -> None:
    import json

    path = folder / "cpu" / "synthetic-h1299-v2" / method / f"n11-s{seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    evaluation = {"paper": {"f": f, "precision": f, "recall": f}, "f1": f, "seg": f, "ap": f, "pq": f,
                  "thresholds": {"0.75": {"f1": f}}}
    path.write_text(json.dumps({"cell": {"data": "synthetic-h1299-v2", "method": method, "n_train": 11, "seed": seed, "preset": "cpu"},
                                "device": "cpu", "commit": "abc", "wall_seconds": 1.0, "evaluation": evaluation}))


@pytest.mark.parametrize("command", [["segment", "m.pt", "a.tif"], ["train", "synthetic-h1299", "--n-train", "1"],
                                     ["data", "synth"], ["export", "m.pt"], ["baseline", "watershed", "synthetic-h1299"]])
def test_an_empty_out_is_refused(command, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--out", ""])  # Path("") would be the current folder
    assert exit_.value.code == 2 and "argument --out: the path is empty; name the folder to write" in capsys.readouterr().err


def test_results_prints_the_tables_and_writes_a_csv(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    import csv

    for seed, f in enumerate((0.80, 0.90, 0.85)):
        _write_result(tmp_path, "ce", seed, f)
    assert main(["results", "--results", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| CE Loss-11"))
    assert [cell.strip() for cell in row.strip("|").split("|")][:4] == ["CE Loss-11", "ce, N_train = 11", "2.4", "85.0 ± 12.4"]
    assert "## the paper's claims" in out
    assert main(["results", "--results", str(tmp_path), "--csv", str(tmp_path / "all.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "all.csv").open()))
    assert [row["seed"] for row in rows] == ["0", "1", "2"] and float(rows[1]["paper_f"]) == 0.9
    with pytest.raises(SystemExit, match="--metric must be one of .*got 'F'"):
        main(["results", "--results", str(tmp_path), "--metric", "F"])
    assert main(["results", "--results", str(tmp_path), "--csv", str(tmp_path)]) == 1  # a folder: the OS refuses, in one line
    assert capsys.readouterr().err.strip() == f"advseg results: error: {tmp_path}: Is a directory"
