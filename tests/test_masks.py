"""Telling instance labels from binary masks and intensity images, on tiny hand-made arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from advseg.data.masks import label_problem, label_regions, read_instance_labels


def two_blobs(value_a: int, value_b: int) -> np.ndarray:
    mask = np.zeros((10, 10), np.uint8)
    mask[1:4, 1:4] = value_a
    mask[6:9, 6:9] = value_b
    return mask


@pytest.mark.parametrize("value", [1, 255])
def test_a_binary_mask_is_named_as_one(value: int) -> None:
    assert label_problem(two_blobs(value, value)) == (
        f"its one id ({value}) covers 2 separate regions, so it would count as 1 nucleus: it looks like a binary mask")


def test_instance_labels_pass_even_when_touching_or_with_one_split_id() -> None:
    labels = two_blobs(1, 2)
    labels[1:4, 4:6] = 3  # touches nucleus 1
    assert label_problem(labels) is None
    labels[8, 0] = 3  # one of three ids split in two (a stray pixel): still labels
    assert label_problem(labels) is None
    assert label_problem(np.zeros((5, 5), np.uint8)) is None  # no nuclei at all


def test_grey_values_are_not_labels() -> None:
    rng = np.random.default_rng(0)
    assert "fewer than 16 pixels per id" in label_problem(rng.integers(0, 1000, (16, 16)))
    classes = np.tile([0, 1, 2, 0], (8, 2))  # stripes of two classes: each id in several regions
    assert label_problem(classes) == ("2 of its 2 ids cover several separate regions (4 in all): it looks like an "
                                      "intensity or class image, not instance labels")


def test_label_regions_splits_ids_but_keeps_touching_nuclei_apart() -> None:
    labels = two_blobs(255, 255)
    labels[1:4, 4:6] = 7  # touches the first blob
    regions = label_regions(labels)
    assert regions.dtype == np.int32 and len(np.unique(regions)) == 4  # background + 3
    assert regions[2, 2] != regions[2, 4]


def test_read_instance_labels_refuses_or_converts(tmp_path: Path) -> None:
    tifffile.imwrite(tmp_path / "m.tif", two_blobs(255, 255))
    with pytest.raises(ValueError, match=r"m.tif: not an instance-label image: .* --binary-masks"):
        read_instance_labels(tmp_path / "m.tif")
    assert np.unique(read_instance_labels(tmp_path / "m.tif", binary_masks=True)).tolist() == [0, 1, 2]
