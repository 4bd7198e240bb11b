"""What went wrong, object by object: missed, false, merged and split nuclei.

A predicted object that holds more than half of each of two or more true
nuclei *merges* them; a true nucleus in which two or more predicted objects
each lie more than half is *split*. The other objects are matched one-to-one
at IoU >= 0.5 (as :func:`~advseg.evaluation.metrics.matching`); true nuclei left over
are *missed* and predictions left over are *false*. (Under one-to-one
matching a nucleus cut in two halves still matches one of them; here it is
shown as split.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advseg.evaluation.metrics import _check_pair, _match_pairs, _overlap

__all__ = ["ERROR_COLORS", "ObjectErrors", "classify_errors", "error_map"]

# RGB of each outcome in :func:`error_map`
ERROR_COLORS: dict[str, tuple[float, float, float]] = {
    "matched": (0.2, 0.8, 0.2),
    "missed": (0.9, 0.1, 0.1),
    "false": (1.0, 0.75, 0.0),
    "merged": (0.85, 0.2, 0.85),
    "split": (0.1, 0.8, 0.9),
}


@dataclass(frozen=True)
class ObjectErrors:
    """Object ids of each outcome (true ids for matched, missed and split; predicted ids for false and merged)."""

    matched: tuple[int, ...]  # true nuclei matched one-to-one at IoU >= thresh
    missed: tuple[int, ...]  # true nuclei with no counterpart
    false: tuple[int, ...]  # predicted objects with no counterpart
    merged: tuple[int, ...]  # predicted objects covering two or more true nuclei
    split: tuple[int, ...]  # true nuclei cut into two or more predicted objects

    def counts(self) -> dict[str, int]:
        """How many objects of each outcome."""
        return {name: len(getattr(self, name)) for name in ERROR_COLORS}


def classify_errors(y_true: np.ndarray, y_pred: np.ndarray, *, thresh: float = 0.5) -> ObjectErrors:
    """Sort every object of a prediction and its ground truth into an outcome.

    Parameters
    ----------
    y_true, y_pred : (H, W) ndarray of int
        Instance labels (0 is background).
    thresh : float, optional
        IoU at which a pair matches.

    Returns
    -------
    ObjectErrors

    Examples
    --------
    Nucleus 1 found, nucleus 2 cut in two, nuclei 3 and 4 merged, one false object:

    >>> y_true = np.array([[1, 1, 0, 2, 2, 2, 2, 0, 3, 3, 0, 4, 4, 0, 0]])
    >>> y_pred = np.array([[1, 1, 0, 2, 2, 3, 3, 0, 4, 4, 4, 4, 4, 0, 5]])
    >>> classify_errors(y_true, y_pred).counts()
    {'matched': 1, 'missed': 0, 'false': 1, 'merged': 1, 'split': 1}
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    true_ids, pred_ids = np.unique(y_true[y_true > 0]), np.unique(y_pred[y_pred > 0])
    inter, true_areas, pred_areas = _overlap(y_true, y_pred)  # (n_true, n_pred), (n_true,), (n_pred,)
    union = true_areas[:, None] + pred_areas[None, :] - inter
    iou = np.divide(inter, union, out=np.zeros(inter.shape), where=union > 0)
    pairs = _match_pairs(iou, thresh, "optimal")
    matched_true, matched_pred = {r for r, _ in pairs}, {c for _, c in pairs}
    inside_pred = 2 * inter > pred_areas[None, :]  # more than half of the prediction lies in the true nucleus
    inside_true = 2 * inter > true_areas[:, None]  # more than half of the true nucleus lies in the prediction
    merged = {c for c in range(len(pred_ids)) if inside_true[:, c].sum() >= 2}
    split = {r for r in range(len(true_ids)) if inside_pred[r].sum() >= 2}
    merged_true = {int(r) for c in merged for r in np.flatnonzero(inside_true[:, c])}
    split_pred = {int(c) for r in split for c in np.flatnonzero(inside_pred[r])}
    explained_true, explained_pred = split | merged_true, merged | split_pred
    matched_true -= explained_true
    missed = [r for r in range(len(true_ids)) if r not in matched_true | explained_true]
    false = [c for c in range(len(pred_ids)) if c not in matched_pred | explained_pred]
    return ObjectErrors(
        matched=tuple(int(true_ids[r]) for r in sorted(matched_true)),
        missed=tuple(int(true_ids[r]) for r in missed),
        false=tuple(int(pred_ids[c]) for c in false),
        merged=tuple(int(pred_ids[c]) for c in sorted(merged)),
        split=tuple(int(true_ids[r]) for r in sorted(split)),
    )


def error_map(y_true: np.ndarray, y_pred: np.ndarray, *, thresh: float = 0.5) -> np.ndarray:
    """An RGBA image colouring each object by its outcome (colours in :data:`ERROR_COLORS`).

    Returns
    -------
    (H, W, 4) ndarray of float
        Transparent where there is no object of interest; matched nuclei,
        missed, split nuclei are drawn from ``y_true``, false and merged
        objects from ``y_pred``.
    """
    errors = classify_errors(y_true, y_pred, thresh=thresh)
    rgba = np.zeros((*np.shape(y_true), 4))
    for name, labels in (("matched", y_true), ("missed", y_true), ("split", y_true), ("false", y_pred), ("merged", y_pred)):
        mask = np.isin(labels, getattr(errors, name))
        rgba[mask] = (*ERROR_COLORS[name], 0.55)
    return rgba
