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


@pytest.fixture
def one_frame_folder(tmp_path: Path) -> Path:
    """An ``images/`` + ``masks/`` folder of one annotated frame (``t000.tif``, the synthetic movie's first training frame)."""
    import tifffile

    from advseg.data.embedded import synthetic_h1299

    frame, root = synthetic_h1299().train(1)[0], tmp_path / "mine"
    for part, array in (("images", (frame.image * 4000).astype("uint16")), ("masks", frame.labels.astype("uint16"))):
        (root / part).mkdir(parents=True)
        tifffile.imwrite(root / part / "t000.tif", array)
    return root
