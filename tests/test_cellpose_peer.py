"""The cellpose-scratch baseline: trains from random initialisation offline and segments; a clear error without Cellpose."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from advseg.baselines import BASELINES, CellposeScratch
from advseg.cli.main import main
from advseg.data.datasets import Sample
from advseg.data.synthetic import SyntheticConfig, synthetic_timelapse


@pytest.fixture(scope="module")
def frames() -> list[Sample]:
    movie = synthetic_timelapse(SyntheticConfig(n_frames=2, height=128, width=128, n_nuclei=10, n_pairs=2, n_divisions=0), seed=1)
    return [Sample(f"f{t}", movie.images[t].astype(np.float32), movie.labels[t].astype(np.int32), "uint16") for t in range(2)]


def test_cellpose_scratch_trains_and_segments(frames) -> None:
    peer = CellposeScratch(epochs=2, seed=0).fit(frames[:1])
    assert peer.diameter == pytest.approx(np.median([2 * np.sqrt(np.count_nonzero(frames[0].labels == i) / np.pi)
                                                     for i in np.unique(frames[0].labels)[1:]]), rel=0.05)
    labels = peer.predict_labels(frames[1].image)
    assert labels.shape == frames[1].image.shape and labels.dtype == np.int32 and labels.min() >= 0
    assert BASELINES["cellpose-scratch"] is CellposeScratch


def test_cellpose_scratch_refuses_bad_settings_and_unfitted_use() -> None:
    with pytest.raises(ValueError, match="`epochs`"):
        CellposeScratch(epochs=0)
    with pytest.raises(ValueError, match="must be fitted"):
        CellposeScratch().predict_labels(np.zeros((32, 32)))


def test_without_cellpose_the_baseline_says_how_to_install_and_writes_nothing(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "cellpose", None)
    monkeypatch.setitem(sys.modules, "cellpose.models", None)
    out = tmp_path / "peer"
    assert main(["baseline", "cellpose-scratch", "synthetic-h1299", "--n-train", "1", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "requirements-peer.txt" in err and err.count("\n") == 1
    assert not out.exists()
