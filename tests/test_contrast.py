"""Robust contrast normalisation and intensity augmentation: known levels, invariances, edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from advseg.data.augment import normalize
from advseg.data.config import DataConfig
from advseg.data.contrast import ROBUST_CLIP, contrast_levels, robust_normalize
from advseg.data.datasets import Sample
from advseg.data.intensity import IntensityAugment, augment_intensity
from advseg.data.sampler import CropSampler


def nuclei_image(*, n_dim: int = 20, n_saturated: int = 2, background: float = 100.0, level: float = 600.0,
                 saturated: float = 60000.0, seed: int = 0, shape=(256, 256)) -> np.ndarray:
    """Discs of radius 7 at ``level`` (and a few at ``saturated``) on a noisy background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    image = np.full(shape, background, np.float64)
    for i in range(n_dim + n_saturated):
        cy, cx = rng.uniform(10, shape[0] - 10), rng.uniform(10, shape[1] - 10)
        image[(yy - cy) ** 2 + (xx - cx) ** 2 <= 49] = saturated if i < n_saturated else level
    return image + rng.normal(0, 0.05 * (level - background), shape)


def test_levels_ignore_a_few_saturated_nuclei() -> None:
    low, high = contrast_levels(nuclei_image())
    assert low == pytest.approx(100, abs=25)
    assert high == pytest.approx(600, rel=0.1)  # the typical nucleus, not the saturated ones
    p_low, p_high = np.percentile(nuclei_image(), (1, 99.8))
    assert p_high > 10 * high  # what percentile scaling would have called "bright"


@pytest.mark.parametrize("gain, offset, dtype", [(1.0, 0.0, np.uint16), (0.02, 3.0, np.uint8), (20.0, 500.0, np.uint16),
                                                 (1e-4, 0.0, np.float32)])
def test_robust_normalisation_is_invariant_to_gain_offset_and_bit_depth(gain, offset, dtype) -> None:
    base = nuclei_image(n_saturated=0, background=100.0, level=2100.0)
    reference = robust_normalize(base)
    image = base * gain + offset
    if np.issubdtype(dtype, np.integer):
        image = np.clip(np.round(image), 0, np.iinfo(dtype).max).astype(dtype)
    out = robust_normalize(image)
    nucleus = reference > 0.5
    assert out.dtype == np.float32
    assert np.median(out[nucleus]) == pytest.approx(np.median(reference[nucleus]), abs=0.1)
    assert np.median(out[~nucleus]) == pytest.approx(0.0, abs=0.1)


def test_robust_normalisation_clips_and_handles_flat_and_empty_images() -> None:
    out = robust_normalize(nuclei_image())
    assert out.min() >= ROBUST_CLIP[0] and out.max() == ROBUST_CLIP[1]
    flat = robust_normalize(np.full((32, 32), 7.0))
    assert np.isfinite(flat).all() and np.all(flat == 0)
    noise = robust_normalize(np.random.default_rng(0).normal(100, 5, (64, 64)))
    assert np.isfinite(noise).all()
    with pytest.raises(ValueError, match="`image` must be a 2-D"):
        contrast_levels(np.zeros((2, 8, 8)))


def test_normalize_and_data_config_know_robust() -> None:
    image = nuclei_image()
    np.testing.assert_array_equal(normalize(image, mode="robust"), robust_normalize(image))
    assert DataConfig(normalize="robust").normalize == "robust"
    with pytest.raises(ValueError, match="`normalize` must be one of"):
        DataConfig(normalize="zscore")


def test_intensity_augmentation_changes_a_copy_and_is_reproducible() -> None:
    crop = np.linspace(-0.2, 2.0, 32 * 32, dtype=np.float32).reshape(32, 32)
    kept = crop.copy()
    a = augment_intensity(crop, np.random.default_rng(3))
    b = augment_intensity(crop, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(crop, kept)
    assert a.dtype == np.float32 and a.shape == crop.shape
    changed = [not np.array_equal(augment_intensity(crop, np.random.default_rng(s)), crop) for s in range(20)]
    assert sum(changed) >= 18  # each of 5 changes fires with p = 0.5
    assert np.array_equal(augment_intensity(crop, np.random.default_rng(0), config=IntensityAugment(p=0.0)), crop)


def test_intensity_augmentation_draws_the_same_amount_whatever_fires() -> None:
    after = []
    for p in (0.0, 1.0):
        rng = np.random.default_rng(5)
        augment_intensity(np.ones((16, 16), np.float32), rng, config=IntensityAugment(p=p))
        after.append(rng.random())
    assert after[0] == after[1]


@pytest.mark.parametrize("field, value", [("gain", (0.0, 1.0)), ("gamma", (2.0, 1.0)), ("noise", -0.1), ("p", 1.5)])
def test_intensity_augment_refuses_bad_ranges(field, value) -> None:
    with pytest.raises(ValueError, match=f"`{field}`"):
        IntensityAugment(**{field: value})


def test_sampler_applies_intensity_augmentation_only_when_asked() -> None:
    labels = np.zeros((96, 96), np.int32)
    labels[20:50, 20:50] = 1
    sample = Sample("a", nuclei_image(shape=(96, 96)).astype(np.float32), labels, "uint16")
    plain = CropSampler([sample], config=DataConfig(normalize="robust"), seed=1).sample(4)
    again = CropSampler([sample], config=DataConfig(normalize="robust"), seed=1).sample(4)
    augmented = CropSampler([sample], config=DataConfig(normalize="robust", intensity_augment=True), seed=1).sample(4)
    np.testing.assert_array_equal(plain[0], again[0])
    assert not np.array_equal(plain[0], augmented[0])
    np.testing.assert_array_equal(plain[1][0], augmented[1][0])  # the first crop's window and transform are the same


def discs_sample(shape=(160, 160), radius: int = 8) -> Sample:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    labels = np.zeros(shape, np.int32)
    for i, (cy, cx) in enumerate([(y, x) for y in range(20, shape[0] - 10, 30) for x in range(20, shape[1] - 10, 30)]):
        labels[(yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2] = i + 1
    return Sample("discs", (100 + 500 * (labels > 0)).astype(np.float32), labels, "uint16")


def test_scale_augmentation_zooms_nuclei_and_keeps_one_pixel_contours() -> None:
    from scipy import ndimage as ndi

    sample = discs_sample()
    sampler = CropSampler([sample], config=DataConfig(crop_size=48, scale_augment=2.0), seed=0)
    images, targets = sampler.sample(64)
    assert images.shape == (64, 1, 48, 48) and targets.shape == (64, 48, 48)
    areas = []
    for image, target in zip(images[:, 0], targets):
        nuclei, n = ndi.label(target > 0)
        sizes = np.bincount(nuclei.ravel())[1:]
        touching_edge = set(np.unique(np.concatenate([nuclei[0], nuclei[-1], nuclei[:, 0], nuclei[:, -1]])))
        areas += [size for i, size in enumerate(sizes, start=1) if i not in touching_edge]
        assert np.all(image[target == 1] > 300)  # interiors are bright in the zoomed image too
    assert max(areas) / min(areas) > 2.5  # zoom factors between 1/2 and 2 give 1/4 to 4 times the area
    plain = CropSampler([sample], config=DataConfig(crop_size=48), seed=0).sample(64)[1]
    assert {int(np.count_nonzero(t == 1)) for t in plain} != {int(np.count_nonzero(t == 1)) for t in targets}


@pytest.mark.parametrize("kwargs, message", [({"scale_augment": 0.5}, "`scale_augment` must be a zoom factor"),
                                             ({"scale_augment": 9.0}, "`scale_augment` must be a zoom factor"),
                                             ({"scale_augment": 1.5, "rotate": True}, "cannot be combined")])
def test_scale_augmentation_refuses_bad_settings(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        DataConfig(**kwargs)


def test_flat_normalisation_removes_an_illumination_ramp_that_percentiles_keep():
    from advseg.data.augment import normalize

    y, x = np.mgrid[:256, :320]
    image = 200.0 + 0.8 * x + 0.3 * y  # brighter to the lower right
    nuclei = ((y % 64 - 32) ** 2 + (x % 64 - 32) ** 2) < 10**2
    image = image + 300.0 * nuclei
    background = ~ndi.binary_dilation(nuclei, iterations=3)
    flat, plain = normalize(image, mode="flat"), normalize(image, mode="percentile")
    assert flat.dtype == np.float32 and flat.shape == image.shape
    inner = (slice(48, -48), slice(48, -48))  # away from the border, where the field extrapolates
    assert np.ptp(flat[inner][background[inner]]) < 0.1 < np.ptp(plain[inner][background[inner]])
    assert flat[inner][nuclei[inner]].min() > flat[inner][background[inner]].max()  # every nucleus above every background


def test_flat_normalisation_takes_tiny_and_integer_images():
    from advseg.data.background import background_field

    assert background_field(np.arange(12, dtype=np.uint8).reshape(3, 4)).shape == (3, 4)
    with pytest.raises(ValueError, match=r"`image` must be a 2-D \(H, W\) array, got shape \(2, 3, 4\)"):
        background_field(np.zeros((2, 3, 4)))
