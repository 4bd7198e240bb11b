"""Object outcomes for the error panels: hand-made label images with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from advseg.evaluation.error_classes import ERROR_COLORS, classify_errors, error_map


def blocks() -> np.ndarray:
    y = np.zeros((10, 20), int)
    y[1:5, 1:5] = 1
    y[1:5, 8:12] = 2
    y[6:9, 14:18] = 3
    return y


def test_identical_labels_are_all_matched():
    errors = classify_errors(blocks(), blocks())
    assert errors.matched == (1, 2, 3) and errors.counts()["missed"] == errors.counts()["false"] == 0


def test_disjoint_labels_are_missed_and_false():
    y_pred = np.zeros((10, 20), int)
    y_pred[6:9, 1:4] = 7
    errors = classify_errors(blocks(), y_pred)
    assert errors.missed == (1, 2, 3) and errors.false == (7,) and not errors.matched


def test_one_object_over_two_nuclei_is_a_merge():
    y_pred = blocks().copy()
    y_pred[1:5, 1:12] = 1  # covers nuclei 1 and 2 and the gap between
    errors = classify_errors(blocks(), y_pred)
    assert errors.merged == (1,) and errors.matched == (3,) and not errors.missed and not errors.false


def test_a_nucleus_cut_in_halves_is_split_even_though_one_half_matches():
    y_pred = blocks().copy()
    y_pred[1:5, 10:12] = 9
    errors = classify_errors(blocks(), y_pred)
    assert errors.split == (2,) and errors.matched == (1, 3) and not errors.false


def test_error_map_colours_each_outcome():
    y_pred = np.zeros((10, 20), int)
    y_pred[1:5, 1:5] = 4  # matches nucleus 1
    rgba = error_map(blocks(), y_pred)
    assert rgba.shape == (10, 20, 4)
    assert tuple(rgba[2, 2, :3]) == pytest.approx(ERROR_COLORS["matched"])
    assert tuple(rgba[2, 9, :3]) == pytest.approx(ERROR_COLORS["missed"])
    assert rgba[0, 0, 3] == 0.0
