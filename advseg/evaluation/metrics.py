"""Instance segmentation metrics on label images: IoU matching and CTC SEG (the paper's protocol: :mod:`advseg.evaluation.paper_score`).

All functions take instance-label arrays (0 = background, any positive ids,
consecutive or not) and return frozen dataclasses. Pooled versions sum counts
over images before forming ratios, as the paper's script did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = [
    "MATCHING_THRESHOLDS",
    "Matching",
    "SegScore",
    "iou_matrix",
    "matching",
    "matching_dataset",
    "matching_thresholds",
    "seg_score",
    "seg_score_dataset",
]

MATCHING_THRESHOLDS = tuple(round(0.5 + 0.05 * k, 2) for k in range(9))  # 0.5, 0.55, ..., 0.9


def _check_pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"`y_pred` (shape {y_pred.shape}) must have the same shape as `y_true` (shape {y_true.shape})")
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        if array.dtype.kind not in "iub":
            raise ValueError(f"`{name}` must hold integer labels, got dtype {array.dtype}")
        if array.size and array.min() < 0:
            raise ValueError(f"`{name}` must hold labels >= 0, got minimum {array.min()}")
    return y_true, y_pred


def _compact(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ids present in ``y`` (sorted) and ``y`` with each id replaced by its index among them."""
    flat = y.ravel()
    top = int(flat.max()) if flat.size else 0
    if top > 4 * flat.size + 65_536:  # sparse huge ids: sorting is cheaper than a lookup table
        ids, index = np.unique(flat, return_inverse=True)
        return ids, index
    present = np.bincount(flat, minlength=1) > 0  # (top + 1,)
    ids = np.flatnonzero(present)
    lookup = np.cumsum(present) - 1  # id -> its index among the present ids
    return ids, lookup[flat]


def _overlap(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixel counts: intersections (n_true, n_pred), true areas (n_true,), predicted areas (n_pred,)."""
    true_ids, true_index = _compact(y_true)
    pred_ids, pred_index = _compact(y_pred)
    n_true, n_pred = len(true_ids), len(pred_ids)
    table = np.bincount(true_index * n_pred + pred_index, minlength=n_true * n_pred).reshape(n_true, n_pred)
    true_areas, pred_areas = table.sum(axis=1), table.sum(axis=0)  # row/col 0 is background when present
    keep_true, keep_pred = true_ids > 0, pred_ids > 0
    return table[np.ix_(keep_true, keep_pred)], true_areas[keep_true], pred_areas[keep_pred]


def iou_matrix(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Intersection over union of every true object with every predicted object.

    Parameters
    ----------
    y_true, y_pred : (H, W) ndarray of int
        Instance labels.

    Returns
    -------
    (n_true, n_pred) ndarray of float
        Rows in increasing true id, columns in increasing predicted id.

    Examples
    --------
    >>> iou_matrix(np.array([[1, 1, 0, 0]]), np.array([[0, 5, 5, 0]]))
    array([[0.33333333]])
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    inter, true_areas, pred_areas = _overlap(y_true, y_pred)
    union = true_areas[:, None] + pred_areas[None, :] - inter
    return np.divide(inter, union, out=np.zeros(inter.shape), where=union > 0)


class _Rates:
    """Precision and recall from ``tp``, ``n_true`` and ``n_pred`` (0 when undefined)."""

    tp: int
    n_true: int
    n_pred: int

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_true if self.n_true else 0.0


@dataclass(frozen=True)
class Matching(_Rates):
    """One-to-one matching of objects at an IoU threshold."""

    thresh: float  # a pair matches when IoU >= thresh
    n_true: int
    n_pred: int
    tp: int
    fp: int
    fn: int
    sum_matched_iou: float  # sum of the IoUs of the matched pairs

    @property
    def f1(self) -> float:
        denominator = self.n_true + self.n_pred
        return 2 * self.tp / denominator if denominator else 0.0

    @property
    def ap(self) -> float:
        """TP / (TP + FP + FN), the "average precision" of the DSB2018 and StarDist papers."""
        denominator = self.tp + self.fp + self.fn
        return self.tp / denominator if denominator else 0.0

    @property
    def mean_matched_iou(self) -> float:
        return self.sum_matched_iou / self.tp if self.tp else 0.0

    @property
    def panoptic_quality(self) -> float:
        """Sum of matched IoUs / (TP + FP/2 + FN/2)."""
        denominator = self.tp + 0.5 * self.fp + 0.5 * self.fn
        return self.sum_matched_iou / denominator if denominator else 0.0

    def to_dict(self) -> dict[str, float]:
        names = ("precision", "recall", "f1", "ap", "panoptic_quality", "mean_matched_iou")
        return asdict(self) | {name: getattr(self, name) for name in names}


def _match_pairs(iou: np.ndarray, thresh: float, method: str) -> list[tuple[int, int]]:
    if method == "optimal":
        # maximum total IoU among pairs at or above the threshold
        weights = np.where(iou >= thresh, iou, 0.0)
        rows, cols = linear_sum_assignment(weights, maximize=True)
        return [(r, c) for r, c in zip(rows, cols) if iou[r, c] >= thresh]
    if method == "greedy":
        pairs, used_rows, used_cols = [], set(), set()
        for flat in np.argsort(-iou, axis=None, kind="stable"):
            r, c = np.unravel_index(flat, iou.shape)
            if iou[r, c] < thresh:
                break
            if r not in used_rows and c not in used_cols:
                pairs.append((int(r), int(c)))
                used_rows.add(r)
                used_cols.add(c)
        return pairs
    raise ValueError(f"`method` must be 'optimal' or 'greedy', got {method!r}")


def matching(y_true: np.ndarray, y_pred: np.ndarray, *, thresh: float = 0.5, method: str = "optimal") -> Matching:
    """Match true and predicted objects one-to-one at an IoU threshold.

    Parameters
    ----------
    y_true, y_pred : (H, W) ndarray of int
        Instance labels.
    thresh : float, optional
        A pair can match when its IoU is at least ``thresh``.
    method : {"optimal", "greedy"}, optional
        Maximum-weight assignment (scipy), or greedy by decreasing IoU. Above
        0.5 matches are unique and both agree.

    Returns
    -------
    Matching

    Examples
    --------
    A nucleus split into two halves: one half matches at 0.5, the other is a
    false positive.

    >>> y_true = np.array([[1, 1, 1, 1]])
    >>> y_pred = np.array([[2, 2, 3, 3]])
    >>> m = matching(y_true, y_pred, thresh=0.5)
    >>> m.tp, m.fp, m.fn, m.f1
    (1, 1, 0, 0.6666666666666666)
    """
    return _matching_from_iou(iou_matrix(y_true, y_pred), thresh=thresh, method=method)


def _matching_from_iou(iou: np.ndarray, *, thresh: float, method: str) -> Matching:
    pairs = _match_pairs(iou, thresh, method)
    n_true, n_pred, tp = iou.shape[0], iou.shape[1], len(pairs)
    return Matching(
        thresh=thresh, n_true=n_true, n_pred=n_pred, tp=tp, fp=n_pred - tp, fn=n_true - tp,
        sum_matched_iou=float(sum(iou[r, c] for r, c in pairs)),
    )


def matching_dataset(
    ys_true: Sequence[np.ndarray], ys_pred: Sequence[np.ndarray], *, thresh: float = 0.5, method: str = "optimal"
) -> Matching:
    """:func:`matching` pooled over images (counts and IoU sums added)."""
    return matching_thresholds(ys_true, ys_pred, thresholds=(thresh,), method=method)[0]


def matching_thresholds(
    ys_true: Sequence[np.ndarray], ys_pred: Sequence[np.ndarray], *, thresholds: Sequence[float], method: str = "optimal"
) -> tuple[Matching, ...]:
    """:func:`matching_dataset` at each of ``thresholds``, computing each image's IoU matrix once."""
    if len(ys_true) != len(ys_pred):
        raise ValueError(f"`ys_pred` ({len(ys_pred)} images) must be as long as `ys_true` ({len(ys_true)} images)")
    ious = [iou_matrix(t, p) for t, p in zip(ys_true, ys_pred)]
    fields = ("n_true", "n_pred", "tp", "fp", "fn", "sum_matched_iou")
    pooled = []
    for thresh in thresholds:
        results = [_matching_from_iou(iou, thresh=thresh, method=method) for iou in ious]
        pooled.append(Matching(thresh=thresh, **{f: sum(getattr(r, f) for r in results) for f in fields}))
    return tuple(pooled)


@dataclass(frozen=True)
class SegScore:
    """Cell Tracking Challenge SEG: mean Jaccard over reference objects (unmatched count 0)."""

    n_true: int
    sum_jaccard: float

    @property
    def seg(self) -> float:
        return self.sum_jaccard / self.n_true if self.n_true else 0.0


def seg_score(y_true: np.ndarray, y_pred: np.ndarray) -> SegScore:
    """The CTC SEG measure: a reference R is matched by S iff ``|R ∩ S| > 0.5 |R|``.

    False positives are not penalised.

    Examples
    --------
    >>> seg_score(np.array([[1, 1, 1, 1, 0]]), np.array([[2, 2, 2, 0, 0]])).seg
    0.75
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    inter, true_areas, pred_areas = _overlap(y_true, y_pred)
    total = 0.0
    for r in range(inter.shape[0]):
        matched = np.nonzero(2 * inter[r] > true_areas[r])[0]  # at most one S can hold more than half of R
        if matched.size:
            c = matched[0]
            total += inter[r, c] / (true_areas[r] + pred_areas[c] - inter[r, c])
    return SegScore(n_true=int(inter.shape[0]), sum_jaccard=float(total))


def seg_score_dataset(ys_true: Sequence[np.ndarray], ys_pred: Sequence[np.ndarray]) -> SegScore:
    """:func:`seg_score` pooled over images: the mean over all reference objects."""
    results = [seg_score(t, p) for t, p in zip(ys_true, ys_pred, strict=True)]
    return SegScore(n_true=sum(r.n_true for r in results), sum_jaccard=sum(r.sum_jaccard for r in results))
