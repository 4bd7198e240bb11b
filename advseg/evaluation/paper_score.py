"""The paper's detection score: nucleus interiors matched at Jaccard >= 0.5, exactly as its evaluation script did."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage as ndi
from skimage.measure import label as label_components

from advseg.data.targets import INTERIOR, three_class_targets
from advseg.evaluation.metrics import _check_pair, _overlap, _Rates

__all__ = ["PAPER_MARGIN", "PaperScore", "paper_score", "paper_score_dataset"]

PAPER_MARGIN = 10  # px per side the paper's script cropped (the estimator's VALID output); used for every method


@dataclass(frozen=True)
class PaperScore(_Rates):
    """The paper's counts: TP = true nuclei with a predicted component of Jaccard >= 0.5."""

    n_true: int
    n_pred: int
    tp: int

    @property
    def f(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float]:
        return asdict(self) | {"precision": self.precision, "recall": self.recall, "f": self.f}


_FOUR_CONNECTED = ndi.generate_binary_structure(2, 1)


def paper_score(y_true: np.ndarray, y_pred: np.ndarray, *, margin: int = 0, min_size: int = 50) -> PaperScore:
    """Score a prediction exactly as the paper's evaluation script did.

    1. Ground truth: the nucleus interiors (class 1 of
       :func:`~advseg.data.targets.three_class_targets`), centre-cropped by
       ``margin`` pixels per side (10 under the estimator's VALID padding),
       split into 4-connected components.
    2. Prediction: the 4-connected components of each predicted object
       (cropped the same way when it has the full size); components under
       ``min_size`` pixels that overlap a ground-truth nucleus are discarded.
       For the paper's post-processing (components of the foreground) this is
       what its script computed; objects that touch stay separate.
    3. A true nucleus is a true positive when some predicted component has a
       Jaccard index of at least 0.5 with it.

    Parameters
    ----------
    y_true : (H, W) ndarray of int
        Instance labels of the full frame.
    y_pred : (H, W) or (H - 2 margin, W - 2 margin) ndarray of int
        Predicted instances (or any foreground mask).
    margin : int, optional
        Pixels cropped from each side of the ground truth.
    min_size : int, optional
        Smallest predicted component kept when it overlaps a true nucleus.

    Returns
    -------
    PaperScore

    Examples
    --------
    >>> y = np.zeros((12, 12), int); y[1:11, 1:11] = 1
    >>> paper_score(y, y).f
    1.0
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if margin < 0 or 2 * margin >= min(y_true.shape):
        raise ValueError(f"`margin` must be >= 0 and leave pixels of the {y_true.shape} ground truth, got {margin}")
    crop = np.s_[margin : y_true.shape[0] - margin, margin : y_true.shape[1] - margin]
    if y_pred.shape == y_true.shape and margin:
        y_pred = y_pred[crop]
    interiors = three_class_targets(y_true)[crop] == INTERIOR
    true_components, _ = ndi.label(interiors, structure=_FOUR_CONNECTED)
    pred_components = label_components(np.asarray(y_pred), connectivity=1, background=0)
    _check_pair(true_components, pred_components)
    inter, true_areas, pred_areas = _overlap(true_components, pred_components)
    discard = (pred_areas < min_size) & (inter.sum(axis=0) > 0)
    inter, pred_areas = inter[:, ~discard], pred_areas[~discard]
    union = true_areas[:, None] + pred_areas[None, :] - inter
    jaccard = np.divide(inter, union, out=np.zeros(inter.shape), where=union > 0)
    tp = int(np.count_nonzero((jaccard >= 0.5).any(axis=1))) if jaccard.size else 0
    return PaperScore(n_true=len(true_areas), n_pred=len(pred_areas), tp=tp)


def paper_score_dataset(
    ys_true: Sequence[np.ndarray], ys_pred: Sequence[np.ndarray], *, margin: int = 0, min_size: int = 50
) -> PaperScore:
    """:func:`paper_score` pooled over frames (counts added), as Table 1 reports."""
    results = [paper_score(t, p, margin=margin, min_size=min_size) for t, p in zip(ys_true, ys_pred, strict=True)]
    return PaperScore(*(sum(getattr(r, f) for r in results) for f in ("n_true", "n_pred", "tp")))
