"""The command line's shape: help, version and error handling."""

from __future__ import annotations

import subprocess
import sys

import pytest

import advseg
from advseg.cli import COMMAND_MODULES, main


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
