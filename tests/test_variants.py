"""The scale and contrast variants the benchmarks train and score on (advseg.data.variants)."""

from __future__ import annotations

import numpy as np
import pytest

from advseg.data.variants import VARIANTS, variant


def _disc_image() -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[:40, :40]
    labels = ((yy - 20) ** 2 + (xx - 20) ** 2 <= 64).astype(np.int32) * 3
    image = (1000 + 3000 * (labels > 0)).astype(np.uint16)
    return image, labels


@pytest.mark.parametrize(("name", "side"), [("x0.5", 20), ("x2", 80)])
def test_rescaled_variants_scale_image_and_labels_together(name: str, side: int) -> None:
    image, labels = _disc_image()
    out_image, out_labels = variant(image, labels, name)
    assert out_image.shape == out_labels.shape == (side, side)
    assert out_image.dtype == np.float32 and out_labels.dtype == labels.dtype
    assert set(np.unique(out_labels)) == {0, 3}  # nearest neighbour: no new label values
    factor = (side / 40) ** 2
    assert (out_labels > 0).sum() == pytest.approx(factor * (labels > 0).sum(), rel=0.15)
    assert out_image[out_labels > 0].mean() > 3500 and out_image[out_labels == 0].mean() < 1500


def test_the_dim_variant_fills_a_fifth_of_the_8_bit_range_and_keeps_the_labels() -> None:
    image, labels = _disc_image()
    out_image, out_labels = variant(image, labels, "dim 8-bit")
    assert out_labels is labels
    assert np.array_equal(out_image, np.rint(out_image)) and out_image.min() >= 0
    assert out_image[labels > 0].mean() == pytest.approx(51, abs=0.5)  # 0.2 x 255
    assert out_image[labels == 0].mean() == pytest.approx(0.4, abs=0.3)  # noise clipped at 0
    assert np.array_equal(variant(image, labels, "dim 8-bit")[0], out_image)  # fixed noise seed


def test_the_original_is_returned_unchanged_and_the_order_starts_with_it() -> None:
    image, labels = _disc_image()
    assert VARIANTS[0] == "original"
    out_image, out_labels = variant(image, labels, "original")
    assert out_image is image and out_labels is labels


@pytest.mark.parametrize(("args", "message"), [
    ((np.zeros((4, 4)), np.zeros((4, 4), int), "x3"), "`name` must be one of"),
    ((np.zeros((4, 4)), np.zeros((4, 5), int), "x2"), "`image` and `labels` must be 2-D of one shape"),
    ((np.zeros((2, 4, 4)), np.zeros((2, 4, 4), int), "x2"), "`image` and `labels` must be 2-D of one shape"),
])
def test_bad_input_is_named(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        variant(*args)
