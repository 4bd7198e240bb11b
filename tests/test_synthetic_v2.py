"""Version 2 of the synthetic movie: harder, by the numbers the calibration promises."""

from __future__ import annotations

import json

import numpy as np
import pytest

from advseg.data.difficulty import measure_difficulty
from advseg.data.embedded import canonical_data, synthetic_h1299, synthetic_version
from advseg.data.splits import make_splits
from advseg.data.synthetic import SyntheticConfig
from advseg.data.synthetic_v2 import SyntheticConfigV2, synthetic_timelapse_v2

SMALL = SyntheticConfigV2(n_frames=8, height=128, width=160, n_nuclei=10, n_divisions=2, mitosis_frames=2,
                          n_out_of_focus=1, n_debris=4)


@pytest.fixture(scope="module")
def default_set():
    return synthetic_h1299()


def test_same_seed_gives_identical_bytes() -> None:
    first, second = synthetic_timelapse_v2(SMALL, seed=3), synthetic_timelapse_v2(SMALL, seed=3)
    assert first.images.tobytes() == second.images.tobytes()
    assert first.labels.tobytes() == second.labels.tobytes()


def test_labels_are_exact_connected_instances() -> None:
    from scipy import ndimage as ndi

    movie = synthetic_timelapse_v2(SMALL, seed=1)
    for frame in movie.labels:
        for label in np.unique(frame)[1:]:
            assert ndi.label(frame == label)[1] == 1, f"label {label} is not one connected region"


def test_divisions_are_preceded_by_a_small_bright_mitosis() -> None:
    movie = synthetic_timelapse_v2(SMALL, seed=2)
    assert len(movie.divisions) == 2
    frame, mother = movie.divisions[0]
    area = [(movie.labels[t] == mother).sum() for t in range(frame)]
    assert area[frame - 1] < area[max(frame - 1 - SMALL.mitosis_frames, 0)], "the mother shrinks before dividing"


def test_default_set_is_the_papers_geometry(default_set) -> None:
    assert len(default_set.dataset) == 72
    counts = [sample.n_nuclei for sample in default_set.dataset]
    assert all(sample.image.shape == (512, 640) and sample.dtype == "uint16" for sample in default_set.dataset)
    assert 40 <= np.median(counts) <= 60, counts
    assert len(default_set.evaluation) == 57 and len(default_set.validation) == 4


def test_default_set_is_crowded_uneven_and_noisy(default_set) -> None:
    frames = default_set.dataset.samples[::6]
    hard = measure_difficulty([s.image for s in frames], [s.labels for s in frames])
    assert hard.touching_fraction >= 0.25, hard
    assert 4.0 <= hard.brightness_ratio <= 8.0, hard
    assert hard.snr_p10 < 6.0, hard  # dim nuclei sit near the background noise


def test_names_map_to_versions() -> None:
    assert synthetic_version("synthetic-h1299") == 2 and synthetic_version("synthetic-h1299-v1") == 1
    assert canonical_data("synthetic-h1299") == "synthetic-h1299-v2" and canonical_data("/x/synthetic-h1299") == "/x/synthetic-h1299"
    assert make_splits("synthetic-h1299", n_train=1).data == "synthetic-h1299-v2"
    assert make_splits("synthetic-h1299-v1", n_train=1).data == "synthetic-h1299-v1"


def test_cache_records_the_version_and_is_rebuilt_when_it_changes(tmp_path) -> None:
    tiny = SyntheticConfigV2(n_frames=16, height=64, width=80, n_nuclei=4, n_divisions=0, n_out_of_focus=0, n_debris=1)
    first = synthetic_h1299(config=tiny, cache_dir=tmp_path)
    meta_path = tmp_path / "synthetic-h1299-v2-seed0" / "protocol.json"
    meta = json.loads(meta_path.read_text())
    assert (meta["name"], meta["version"]) == ("synthetic-h1299-v2", 2)
    meta["generator_version"] = 0  # what an older generator would have written
    meta_path.write_text(json.dumps(meta))
    second = synthetic_h1299(config=tiny, cache_dir=tmp_path)
    assert json.loads(meta_path.read_text())["generator_version"] == 2
    assert np.array_equal(first.dataset[3].image, second.dataset[3].image)


def test_config_of_the_wrong_version_is_rejected(tmp_path) -> None:
    with pytest.raises(ValueError, match="`config` must be a SyntheticConfigV2 for version 2, got SyntheticConfig"):
        synthetic_h1299(config=SyntheticConfig(), cache_dir=tmp_path)
    with pytest.raises(ValueError, match="`version` must be one of"):
        synthetic_h1299(version=3, cache_dir=tmp_path)


@pytest.mark.parametrize("field, value, match", [("cluster_fraction", 1.5, "`cluster_fraction`"),
                                                 ("brightness_range", 0.5, "`brightness_range`"), ("n_nuclei", 0, "`n_nuclei`")])
def test_bad_config_is_rejected(field: str, value: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SyntheticConfigV2(**{field: value})
