"""A classical pipeline: smoothing, Otsu threshold, distance-transform watershed."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from scipy import ndimage as ndi
from skimage.feature import peak_local_max
from skimage.filters import threshold_otsu
from skimage.segmentation import watershed

from advseg.data.datasets import Sample
from advseg.evaluation.metrics import matching_dataset
from advseg.evaluation.postprocess import label_dtype

__all__ = ["ClassicalWatershed", "watershed_choices"]


class ClassicalWatershed:
    """Smooth, threshold with Otsu, split touching nuclei by a distance-transform watershed.

    Its two parameters (smoothing sigma and the smallest distance between
    nucleus centres) are chosen on the training frames by F1 at IoU 0.5.
    """

    name = "watershed"
    SIGMAS = (1.0, 2.0, 3.0)  # smoothing candidates, px
    MIN_DISTANCES = (3, 5, 7, 9, 12)  # smallest centre distance candidates, px

    def __init__(self, *, sigma: float = 2.0, min_distance: int = 7, min_size: int = 20) -> None:
        self.sigma, self.min_distance, self.min_size = sigma, min_distance, min_size
        self.scores: dict[tuple[float, int], float] = {}

    def predict_labels(self, image: np.ndarray, *, method: str | None = None) -> np.ndarray:
        """(H, W) image -> (H, W) uint16 instance labels (uint32 above 65,535 nuclei)."""
        smooth = ndi.gaussian_filter(np.asarray(image, np.float32), self.sigma)
        if smooth.max() == smooth.min():
            return np.zeros(smooth.shape, np.uint16)
        foreground = ndi.binary_fill_holes(smooth > threshold_otsu(smooth))
        distance = ndi.distance_transform_edt(foreground)
        peaks = peak_local_max(distance, min_distance=self.min_distance, labels=ndi.label(foreground)[0], exclude_border=False)
        markers = np.zeros(distance.shape, np.int32)
        markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
        labels = watershed(-distance, markers, mask=foreground)
        sizes = np.bincount(labels.ravel())
        labels[(sizes < self.min_size)[labels]] = 0
        return labels.astype(label_dtype(len(peaks)))

    def fit(self, samples: Sequence[Sample]) -> ClassicalWatershed:
        """Choose sigma and min_distance by F1@0.5 on ``samples``."""
        best = None
        for sigma, distance in itertools.product(self.SIGMAS, self.MIN_DISTANCES):
            self.sigma, self.min_distance = sigma, distance
            f1 = matching_dataset([s.labels for s in samples], [self.predict_labels(s.image) for s in samples]).f1
            self.scores[(sigma, distance)] = f1
            if best is None or f1 > best[0]:
                best = (f1, sigma, distance)
        _, self.sigma, self.min_distance = best
        return self


def watershed_choices(data: str, *, n_trains: Sequence[int], seed: int = 0):  # -> pandas.DataFrame
    """The parameters :meth:`ClassicalWatershed.fit` chooses at each N_train, and what they do on the evaluation frames.

    Parameters
    ----------
    data : str
        A data set name or folder (see :func:`advseg.data.paths.resolve_data`).
    n_trains : sequence of int
    seed : int, optional
        The split's seed.

    Returns
    -------
    pandas.DataFrame
        One row per N_train: the chosen ``sigma`` and ``min_distance``, F1 at
        IoU 0.5 on the training frames, and on the evaluation frames F1 and the
        numbers of predicted and manual nuclei.
    """
    import pandas as pd

    from advseg.data.paths import resolve_data
    from advseg.data.splits import make_splits

    rows = []
    for n_train in n_trains:
        splits = make_splits(resolve_data(data), n_train=n_train, seed=seed)
        model = ClassicalWatershed().fit(splits.train)
        scored = matching_dataset([s.labels for s in splits.evaluation], [model.predict_labels(s.image) for s in splits.evaluation])
        rows.append({"N_train": n_train, "sigma (px)": model.sigma, "min_distance (px)": model.min_distance,
                     "F1@0.5, training frames": round(model.scores[(model.sigma, model.min_distance)], 3),
                     "F1@0.5, evaluation frames": round(scored.f1, 3), "nuclei predicted": scored.n_pred,
                     "nuclei (manual)": scored.n_true})
    return pd.DataFrame(rows)
