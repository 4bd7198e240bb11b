"""Atomic writes: normal permissions, nothing left on failure, stale temporaries removed on the next start."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from advseg.data.atomic import atomic_write, make_staging_dir, remove_stale_temporaries
from advseg.data.embedded import synthetic_h1299
from advseg.data.io import write_tiff
from advseg.data.synthetic import SyntheticConfig


def aged(path: Path, *, seconds: float = 3600) -> Path:
    os.utime(path, (time.time() - seconds, time.time() - seconds))
    return path


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield 0o027
    os.umask(old)


def test_atomic_files_and_folders_get_the_umasks_permissions(tmp_path: Path, umask_027: int) -> None:
    assert write_tiff(tmp_path / "a.tif", np.zeros((4, 4), np.uint16)).stat().st_mode & 0o777 == 0o640
    assert atomic_write(tmp_path / "b.pt", lambda p: p.write_bytes(b"x")).stat().st_mode & 0o777 == 0o640
    assert make_staging_dir(tmp_path, "cache").stat().st_mode & 0o777 == 0o750


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    def fail(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(tmp_path / "model.pt", fail)
    assert list(tmp_path.iterdir()) == []


def test_only_stale_temporaries_of_our_pattern_are_removed(tmp_path: Path) -> None:
    stale = [tmp_path / name for name in (".checkpoint.pt.abcd1234.tmp", ".x_labels.k_9zq0a1.tif")]
    for path in stale:
        path.touch()
        aged(path)
    fresh = tmp_path / ".model.pt.0123abcd.tmp"  # another process is writing it now
    fresh.touch()
    mine = [tmp_path / name for name in (".notes.tmp", ".hidden", "run.json", ".x.tif", "a.abcd1234.tmp")]
    for path in mine:
        path.touch()
        aged(path)
    staging = make_staging_dir(tmp_path, "synthetic-h1299-seed0")
    aged(staging)
    assert remove_stale_temporaries(tmp_path) == sorted(stale)
    assert fresh.exists() and all(p.exists() for p in mine) and staging.exists()
    assert remove_stale_temporaries(tmp_path, staging=True) == [staging]
    assert remove_stale_temporaries(tmp_path / "missing") == []


def test_the_synthetic_cache_replaces_a_killed_writers_staging_folder(tmp_path: Path, umask_027: int) -> None:
    killed = make_staging_dir(tmp_path, "synthetic-h1299-v1-seed0")
    (killed / "images").mkdir()
    aged(killed)
    config = SyntheticConfig(n_frames=16, height=48, width=56, n_nuclei=3, n_pairs=1, n_divisions=0)
    synthetic = synthetic_h1299(version=1, config=config, cache_dir=tmp_path)
    assert len(synthetic.dataset) == 16
    assert sorted(p.name for p in tmp_path.iterdir()) == [".synthetic-h1299-v1-seed0.lock", "synthetic-h1299-v1-seed0"]
    folder = tmp_path / "synthetic-h1299-v1-seed0"
    assert folder.stat().st_mode & 0o777 == 0o750
    assert (folder / "masks" / "frame_000.tif").stat().st_mode & 0o777 == 0o640
