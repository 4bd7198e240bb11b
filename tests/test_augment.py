"""Crops, dihedral transforms, rotation, normalisation and the crop sampler."""

from __future__ import annotations

import numpy as np
import pytest

from advseg.data.augment import dihedral, normalize, random_crop, rotate_pair
from advseg.data.config import DataConfig
from advseg.data.datasets import Sample
from advseg.data.sampler import CropSampler


def asymmetric_sample(shape=(96, 112)) -> Sample:
    """An image that encodes its own target: image = 10 * target + 1 everywhere."""
    labels = np.zeros(shape, np.int32)
    labels[10:40, 12:30] = 1  # a tall block
    labels[50:60, 40:100] = 2  # a wide bar
    labels[70:75, 5:9] = 3  # a small square near a corner
    from advseg.data.targets import three_class_targets

    image = (10.0 * three_class_targets(labels) + 1.0).astype(np.float32)
    return Sample("asym", image, labels, "float32")


def test_eight_distinct_dihedral_transforms() -> None:
    pattern = np.arange(12).reshape(3, 4)  # no symmetry
    images = [dihedral(pattern, k) for k in range(8)]
    keys = {(im.shape, im.tobytes()) for im in images}
    assert len(keys) == 8
    assert np.array_equal(images[0], pattern)


def test_dihedral_rejects_bad_k() -> None:
    with pytest.raises(ValueError, match="`k` must be an integer in 0..7"):
        dihedral(np.zeros((2, 2)), 8)


def test_sampler_keeps_image_and_target_aligned_under_all_8_transforms() -> None:
    sampler = CropSampler([asymmetric_sample()], config=DataConfig(crop_size=48), seed=0)
    seen = set()
    for _ in range(20):
        images, targets = sampler.sample(16)
        assert np.array_equal(images[:, 0], 10.0 * targets + 1.0)
        seen.add(images.tobytes())
    assert len(seen) > 1


def test_each_transform_moves_a_marker_consistently() -> None:
    image = np.zeros((4, 5))
    target = np.zeros((4, 5), int)
    image[0, 1] = 1.0
    target[0, 1] = 2  # the same pixel in both
    for k in range(8):
        assert np.argwhere(dihedral(image, k) == 1.0).tolist() == np.argwhere(dihedral(target, k) == 2).tolist()


def test_rotation_keeps_alignment() -> None:
    sample = asymmetric_sample()
    from advseg.data.targets import three_class_targets

    target = three_class_targets(sample.labels)
    image, rotated = rotate_pair(sample.image, target, 33.0)
    assert rotated.dtype == target.dtype
    assert set(np.unique(rotated)) <= {0, 1, 2}  # nearest neighbour: no new classes
    # linear interpolation blurs edges only: most pixels still satisfy image = 10 * target + 1
    assert np.mean(np.abs(image - (10.0 * rotated + 1.0)) < 0.5) > 0.9


def test_sampler_with_rotation_shapes_and_alignment() -> None:
    sampler = CropSampler([asymmetric_sample()], config=DataConfig(crop_size=48, rotate=True), seed=1)
    images, targets = sampler.sample(8)
    assert images.shape == (8, 1, 48, 48) and targets.shape == (8, 48, 48)
    assert np.mean(np.abs(images[:, 0] - (10.0 * targets + 1.0)) < 0.5) > 0.9


def test_sampler_draws_only_from_its_frames() -> None:
    a = Sample("a", np.zeros((64, 64), np.float32), np.zeros((64, 64), np.int32), "uint8")
    b = Sample("b", np.ones((64, 64), np.float32), np.zeros((64, 64), np.int32), "uint8")
    images, _ = CropSampler([b], config=DataConfig(crop_size=32), seed=0).sample(10)
    assert np.all(images == 1.0)
    images, _ = CropSampler([a, b], config=DataConfig(crop_size=32), seed=0).sample(50)
    assert {float(im.mean()) for im in images} == {0.0, 1.0}


def test_sampler_state_restores_the_stream() -> None:
    sampler = CropSampler([asymmetric_sample()], config=DataConfig(crop_size=32), seed=5)
    sampler.sample(3)
    state = sampler.state_dict()
    expected = sampler.sample(4)
    sampler.load_state_dict(state)
    again = sampler.sample(4)
    assert np.array_equal(expected[0], again[0]) and np.array_equal(expected[1], again[1])


def test_crop_larger_than_image_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"crop size 128 is larger than frame 'asym' \(shape \(96, 112\)\)"):
        CropSampler([asymmetric_sample()], config=DataConfig(crop_size=128))
    with pytest.raises(ValueError, match=r"`size` \(128\) must not exceed"):
        random_crop(np.zeros((96, 112)), np.zeros((96, 112)), size=128, rng=np.random.default_rng(0))


def test_empty_sampler_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="`samples` must hold at least one"):
        CropSampler([])


def test_normalisation_modes() -> None:
    image = np.linspace(100, 1100, 1001).astype(np.float32)
    assert np.array_equal(normalize(image, mode="none"), image)
    scaled = normalize(image, mode="percentile", percentiles=(0, 100))
    assert scaled.min() == 0.0 and scaled.max() == 1.0
    with pytest.raises(ValueError, match="`mode` must be one of"):
        normalize(image, mode="zscore")
    with pytest.raises(ValueError, match="`normalize` must be one of"):
        DataConfig(normalize="zscore")

