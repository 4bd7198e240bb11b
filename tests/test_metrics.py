"""Metrics on tiny hand-made label images with answers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from advseg.evaluation.metrics import (
    MATCHING_THRESHOLDS,
    iou_matrix,
    matching,
    matching_dataset,
    matching_thresholds,
    seg_score,
    seg_score_dataset,
)
from advseg.evaluation.paper_score import paper_score, paper_score_dataset


def two_nuclei() -> np.ndarray:
    y = np.zeros((8, 12), int)
    y[1:5, 1:5] = 1  # 16 px
    y[1:5, 5:9] = 2  # 16 px, touching 1
    return y


def test_identical_labels_score_perfectly() -> None:
    y = two_nuclei()
    m = matching(y, y)
    assert (m.tp, m.fp, m.fn) == (2, 0, 0)
    assert m.f1 == m.precision == m.recall == m.ap == m.panoptic_quality == m.mean_matched_iou == 1.0
    assert seg_score(y, y).seg == 1.0


def test_disjoint_labels_score_zero() -> None:
    y_true = np.zeros((4, 8), int)
    y_true[:, :3] = 1
    y_pred = np.zeros((4, 8), int)
    y_pred[:, 5:] = 1
    m = matching(y_true, y_pred)
    assert (m.tp, m.fp, m.fn, m.f1, m.panoptic_quality) == (0, 1, 1, 0.0, 0.0)
    assert seg_score(y_true, y_pred).seg == 0.0


def test_merged_pair() -> None:
    y_true = two_nuclei()
    y_pred = (y_true > 0).astype(int) * 7  # one object covering both: IoU 16/32 = 0.5 with each
    iou = iou_matrix(y_true, y_pred)
    assert np.allclose(iou, [[0.5], [0.5]])
    m = matching(y_true, y_pred, thresh=0.5)
    assert (m.tp, m.fp, m.fn) == (1, 0, 1)  # one-to-one: only one of the two can take it
    assert m.f1 == pytest.approx(2 / 3)
    assert matching(y_true, y_pred, thresh=0.55).tp == 0
    # each reference lies wholly inside the merged object (16 > 8 px): matched with Jaccard 0.5
    assert seg_score(y_true, y_pred).seg == 0.5


def test_split_nucleus() -> None:
    y_true = np.zeros((4, 10), int)
    y_true[:, 1:9] = 1  # 32 px
    y_pred = np.zeros((4, 10), int)
    y_pred[:, 1:6] = 1  # 20 px: IoU 20/32 = 0.625
    y_pred[:, 6:9] = 2  # 12 px: IoU 12/32 = 0.375
    m = matching(y_true, y_pred, thresh=0.5)
    assert (m.tp, m.fp, m.fn) == (1, 1, 0)
    assert m.f1 == pytest.approx(2 / 3)
    assert m.panoptic_quality == pytest.approx(0.625 / 1.5)
    assert matching(y_true, y_pred, thresh=0.65).tp == 0
    assert seg_score(y_true, y_pred).seg == pytest.approx(0.625)


def test_empty_prediction() -> None:
    y = two_nuclei()
    m = matching(y, np.zeros_like(y))
    assert (m.n_pred, m.tp, m.fp, m.fn, m.f1, m.precision, m.recall) == (0, 0, 0, 2, 0.0, 0.0, 0.0)
    assert seg_score(y, np.zeros_like(y)).seg == 0.0
    assert paper_score(y, np.zeros_like(y)).f == 0.0


def test_all_background() -> None:
    z = np.zeros((5, 5), int)
    m = matching(z, z)
    assert (m.n_true, m.n_pred, m.tp, m.f1, m.ap) == (0, 0, 0, 0.0, 0.0)
    assert seg_score(z, z).n_true == 0
    assert paper_score(z, z).n_true == 0


def test_non_consecutive_ids() -> None:
    y = two_nuclei()
    relabelled = np.select([y == 1, y == 2], [1000, 3], 0)
    m = matching(y, relabelled)
    assert (m.tp, m.fp, m.fn) == (2, 0, 0)
    assert seg_score(relabelled, y).seg == 1.0


def test_tie_at_exactly_half() -> None:
    # a 4x4 nucleus predicted as two 4x2 halves: both halves have IoU exactly 0.5
    y_true = np.zeros((6, 6), int)
    y_true[1:5, 1:5] = 1
    y_pred = np.zeros((6, 6), int)
    y_pred[1:5, 1:3] = 4
    y_pred[1:5, 3:5] = 9
    assert np.allclose(iou_matrix(y_true, y_pred), [[0.5, 0.5]])
    m = matching(y_true, y_pred, thresh=0.5)
    assert (m.tp, m.fp, m.fn) == (1, 1, 0)  # exactly one half matches
    # the paper's protocol is not one-to-one: the true nucleus counts once, both halves are predictions
    y_true = np.zeros((8, 8), int)
    y_true[1:7, 1:7] = 1  # interior: the 4x4 block [2:6, 2:6]
    y_pred = np.zeros((8, 8), int)
    y_pred[2:6, 2:4] = 4
    y_pred[2:6, 4:6] = 9
    score = paper_score(y_true, y_pred, min_size=1)
    assert (score.n_true, score.n_pred, score.tp) == (1, 2, 1)


def test_greedy_and_optimal_agree_above_one_half() -> None:
    rng = np.random.default_rng(0)
    for _ in range(30):
        y_true = rng.integers(0, 6, (10, 10))
        y_pred = np.roll(y_true, rng.integers(-1, 2), axis=0) * (rng.random((10, 10)) > 0.2)
        for thresh in MATCHING_THRESHOLDS[1:]:
            greedy = matching(y_true, y_pred, thresh=thresh, method="greedy")
            optimal = matching(y_true, y_pred, thresh=thresh)
            assert (greedy.tp, greedy.fp, greedy.fn) == (optimal.tp, optimal.fp, optimal.fn)
            assert greedy.sum_matched_iou == pytest.approx(optimal.sum_matched_iou)


def test_pooled_counts_add_up() -> None:
    y = two_nuclei()
    pooled = matching_dataset([y, y], [y, np.zeros_like(y)])
    assert (pooled.n_true, pooled.n_pred, pooled.tp, pooled.fn) == (4, 2, 2, 2)
    assert pooled.f1 == pytest.approx(2 * 2 / 6)
    assert seg_score_dataset([y, y], [y, np.zeros_like(y)]).seg == 0.5


def test_shape_mismatch_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"`y_pred` \(shape \(2, 2\)\) must have the same shape as `y_true` \(shape \(3, 3\)\)"):
        matching(np.zeros((3, 3), int), np.zeros((2, 2), int))
    with pytest.raises(ValueError, match="`y_true` must hold integer labels"):
        matching(np.zeros((3, 3)), np.zeros((3, 3), int))


# ---- the paper's protocol ----------------------------------------------------------


def test_paper_protocol_scores_interiors() -> None:
    y_true = np.zeros((12, 12), int)
    y_true[1:11, 1:11] = 1  # 10x10 nucleus: interior 8x8 = 64 px
    interior = np.zeros_like(y_true)
    interior[2:10, 2:10] = 1
    assert paper_score(y_true, interior).f == 1.0
    # the full nucleus as prediction: Jaccard 64/100 = 0.64 >= 0.5, still a true positive
    assert paper_score(y_true, y_true).tp == 1


def test_paper_protocol_drops_small_components_only_where_they_overlap_nuclei() -> None:
    y_true = np.zeros((20, 20), int)
    y_true[1:11, 1:11] = 1  # interior [2:10, 2:10], 64 px
    y_true[12:19, 1:8] = 2  # interior [13:18, 2:7], 25 px
    y_pred = np.zeros_like(y_true)
    y_pred[2:10, 2:10] = 1  # matches nucleus 1
    y_pred[15:17, 15:17] = 2  # 4-px crumb in the background: small, overlaps no nucleus, kept (a false positive)
    y_pred[14:16, 3:5] = 3  # 4-px crumb on nucleus 2: small and overlapping, discarded
    score = paper_score(y_true, y_pred)
    assert (score.n_true, score.n_pred, score.tp) == (2, 2, 1)
    assert paper_score(y_true, y_pred, min_size=1).n_pred == 3


def test_paper_protocol_crops_the_margin() -> None:
    y_true = np.zeros((40, 40), int)
    y_true[0:8, 0:8] = 1  # in the 10-px margin: cropped away
    y_true[14:26, 14:26] = 2  # interior [15:25, 15:25] -> [5:15, 5:15] after cropping
    cropped = np.zeros((20, 20), int)
    cropped[5:15, 5:15] = 1
    score = paper_score(y_true, cropped, margin=10)
    assert (score.n_true, score.n_pred, score.tp) == (1, 1, 1)
    full = np.zeros_like(y_true)
    full[15:25, 15:25] = 5
    assert paper_score(y_true, full, margin=10) == score  # a full-size prediction is cropped too


def test_paper_f_pooled_over_frames() -> None:
    y = np.zeros((12, 12), int)
    y[1:11, 1:11] = 1
    pooled = paper_score_dataset([y, y], [y, np.zeros_like(y)])
    assert (pooled.n_true, pooled.n_pred, pooled.tp) == (2, 1, 1)
    assert pooled.precision == 1.0 and pooled.recall == 0.5 and pooled.f == pytest.approx(2 / 3)


def test_overlap_with_sparse_huge_ids_equals_compact_ids():
    y_true = np.array([[0, 7, 7, 0], [3, 3, 0, 0]])
    y_pred = np.array([[0, 2_000_000_000, 2_000_000_000, 5], [5, 5, 0, 0]])
    compact = np.array([[0, 2, 2, 1], [1, 1, 0, 0]])  # ids in the same order: 5 -> 1, 2e9 -> 2
    np.testing.assert_allclose(iou_matrix(y_true, y_pred), iou_matrix(y_true, compact))
    np.testing.assert_allclose(iou_matrix(y_true, compact), [[2 / 3, 0.0], [0.0, 1.0]])


def test_matching_thresholds_equals_matching_dataset_per_threshold():
    rng = np.random.default_rng(0)
    ys_true = [rng.integers(0, 6, (20, 20)) for _ in range(3)]
    ys_pred = [np.roll(y, 1, axis=1) for y in ys_true]
    pooled = matching_thresholds(ys_true, ys_pred, thresholds=(0.1, 0.5))
    assert pooled == (matching_dataset(ys_true, ys_pred, thresh=0.1), matching_dataset(ys_true, ys_pred, thresh=0.5))
