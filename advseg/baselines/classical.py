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

__all__ = ["ClassicalWatershed"]


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
