"""Three-class targets and the paper's RGB encoding, on hand-made labels."""

from __future__ import annotations

import numpy as np
import pytest

from advseg.data.targets import class_rgb, three_class_targets, touching_pairs


def test_single_square_nucleus() -> None:
    labels = np.zeros((7, 7), int)
    labels[1:6, 1:6] = 4  # a 5x5 nucleus: 16 contour pixels around a 3x3 interior
    classes = three_class_targets(labels)
    assert (classes == 2).sum() == 16
    assert (classes == 1).sum() == 9
    assert np.all(classes[2:5, 2:5] == 1)
    assert (classes == 0).sum() == 49 - 25


def test_touching_nuclei_get_a_contour_between_them() -> None:
    labels = np.zeros((5, 10), int)
    labels[:, 1:5] = 1
    labels[:, 5:9] = 2
    classes = three_class_targets(labels)
    # columns 4 and 5 meet: both are contour, on each side of the line
    assert np.all(classes[:, 4] == 2) and np.all(classes[:, 5] == 2)
    # the image edge is not a contour by default: nuclei continue past the frame
    assert np.all(classes[0, 2:4] == 1) and np.all(classes[0, 6:8] == 1)


def test_edge_is_contour_option() -> None:
    labels = np.ones((4, 4), int)
    assert np.all(three_class_targets(labels) == 1)
    expected = np.full((4, 4), 2)
    expected[1:3, 1:3] = 1
    assert np.array_equal(three_class_targets(labels, edge_is_contour=True), expected)


def test_diagonal_neighbour_makes_contour() -> None:
    labels = np.zeros((6, 6), int)
    labels[0:3, 0:3] = 1
    labels[3:6, 3:6] = 2
    classes = three_class_targets(labels)
    assert classes[2, 2] == 2 and classes[3, 3] == 2  # touch only at a corner
    assert classes[0, 0] == 1 and classes[5, 5] == 1


def test_one_pixel_nucleus_is_all_contour() -> None:
    labels = np.zeros((3, 3), int)
    labels[1, 1] = 9
    assert three_class_targets(labels)[1, 1] == 2


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.int64])
def test_label_dtypes(dtype) -> None:
    labels = np.zeros((5, 5), dtype)
    labels[1:4, 1:4] = 1
    assert three_class_targets(labels)[2, 2] == 1


def test_bad_labels_are_rejected() -> None:
    with pytest.raises(ValueError, match="`labels` must be a 2-D integer array"):
        three_class_targets(np.zeros((2, 2, 2), int))
    with pytest.raises(ValueError, match="`labels` must be a 2-D integer array"):
        three_class_targets(np.zeros((2, 2), float))


def test_rgb_of_classes_and_probabilities() -> None:
    rgb = class_rgb(np.array([[0, 1], [2, 1]]))
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    assert rgb[0, 0].tolist() == [255, 0, 0] and rgb[1, 0].tolist() == [0, 0, 255]
    probs = np.zeros((3, 1, 2))
    probs[:, 0, 0] = [0.5, 0.5, 0.0]
    probs[:, 0, 1] = [0.0, 0.0, 1.0]
    assert class_rgb(probs)[0].tolist() == [[128, 128, 0], [0, 0, 255]]
    with pytest.raises(ValueError, match="class indices must be 0, 1 or 2"):
        class_rgb(np.array([[3]]))


def test_touching_pairs() -> None:
    labels = np.zeros((5, 10), int)
    labels[:, 1:5] = 1
    labels[:, 5:9] = 2
    labels[0, 9] = 3  # right beside nucleus 2
    assert touching_pairs(labels) == {(1, 2), (2, 3)}
    assert touching_pairs(np.eye(3, dtype=int)) == set()
