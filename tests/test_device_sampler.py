"""The device sampler: the same crops as cutting and transforming in NumPy, aligned targets, a restorable stream."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from advseg.data.augment import dihedral
from advseg.data.config import DataConfig
from advseg.data.datasets import Sample
from advseg.data.device_sampler import DeviceCropSampler, dihedral_index_maps
from advseg.data.targets import three_class_targets


def encoded_sample(name: str, shape: tuple[int, int], *, seed: int) -> Sample:
    """Random nuclei; the image encodes its own target (10 * class + 1, never 0)."""
    rng = np.random.default_rng(seed)
    labels = np.zeros(shape, np.int32)
    for i in range(12):
        y, x = rng.integers(0, shape[0] - 12), rng.integers(0, shape[1] - 12)
        labels[y : y + rng.integers(5, 12), x : x + rng.integers(5, 12)] = i + 1
    return Sample(name, (10.0 * three_class_targets(labels) + 1.0).astype(np.float32), labels, "float32")


@pytest.fixture()
def frames() -> list[Sample]:
    return [encoded_sample("a", (70, 90), seed=0), encoded_sample("b", (100, 64), seed=1)]


def test_index_maps_are_the_dihedral_transforms() -> None:
    crop = np.arange(25).reshape(5, 5)
    rows, cols = dihedral_index_maps(5)
    for k in range(8):
        np.testing.assert_array_equal(crop[rows[k].numpy(), cols[k].numpy()], dihedral(crop, k))


def test_crops_equal_numpy_cut_and_transform(frames) -> None:
    sampler = DeviceCropSampler(frames, config=DataConfig(crop_size=32), seed=0)
    cases = [(0, 0, 0), (0, 38, 58), (1, 68, 32), (1, 5, 7)]
    for k in range(8):
        f, y, x = (torch.tensor([c[i] for c in cases]) for i in range(3))
        images, targets = sampler.crops(f, y, x, torch.full((len(cases),), k))
        for b, (frame, y0, x0) in enumerate(cases):
            expected = dihedral(frames[frame].image[y0 : y0 + 32, x0 : x0 + 32], k)
            np.testing.assert_array_equal(images[b, 0].numpy(), expected)
            np.testing.assert_array_equal(targets[b].numpy(), dihedral(three_class_targets(frames[frame].labels)[y0 : y0 + 32, x0 : x0 + 32], k))


def test_sampled_crops_are_inside_their_frame_aligned_and_cover_every_transform(frames) -> None:
    sampler = DeviceCropSampler(frames, config=DataConfig(crop_size=48), seed=3)
    images, targets = sampler.sample(400)
    assert images.shape == (400, 1, 48, 48) and images.dtype == torch.float32 and targets.dtype == torch.int64
    assert images.is_contiguous(memory_format=torch.channels_last)
    assert bool((images > 0).all())  # never the zero padding beyond a smaller frame
    assert torch.equal(images[:, 0], 10.0 * targets + 1.0)  # image and target cut and turned together
    g = torch.Generator().manual_seed(3)
    frame_ids = torch.randint(2, (400,), generator=g)
    assert 150 < int((frame_ids == 0).sum()) < 250  # both frames drawn (same generator calls as sample)


def test_state_restores_the_stream_and_seeds_differ(frames) -> None:
    sampler = DeviceCropSampler(frames, config=DataConfig(crop_size=32), seed=5)
    sampler.sample(3)
    state = sampler.state_dict()
    first = sampler.sample(6)
    sampler.load_state_dict(state)
    again = sampler.sample(6)
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])
    other = DeviceCropSampler(frames, config=DataConfig(crop_size=32), seed=6).sample(6)
    assert not torch.equal(first[0], other[0])


def test_without_dihedral_crops_are_not_turned(frames) -> None:
    sampler = DeviceCropSampler(frames, config=DataConfig(crop_size=16, dihedral=False), seed=0)
    assert sampler._rows.shape[0] == 1


@pytest.mark.parametrize("config, message", [(DataConfig(rotate=True), "host sampler"),
                                             (DataConfig(intensity_augment=True), "host sampler"),
                                             (DataConfig(scale_augment=1.5), "host sampler"),
                                             (DataConfig(crop_size=80), "larger than frame")])
def test_refuses_what_it_cannot_do(frames, config, message) -> None:
    with pytest.raises(ValueError, match=message):
        DeviceCropSampler(frames, config=config)
    with pytest.raises(ValueError, match="at least one annotated frame"):
        DeviceCropSampler([])
    with pytest.raises(ValueError, match="`batch_size` must be at least 1"):
        DeviceCropSampler(frames, config=DataConfig(crop_size=16)).sample(0)
