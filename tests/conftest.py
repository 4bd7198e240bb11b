"""Shared fixtures for the unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from advseg.data.paths import find_dsb2018

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def dsb_dir() -> Path:
    """The DSB2018 fluorescence set in ../shared; tests that need it skip without it."""
    path = find_dsb2018()
    if path is None or not (path / "index.csv").is_file():
        pytest.skip("DSB2018 fluorescence set not found beside the repository")
    return path
