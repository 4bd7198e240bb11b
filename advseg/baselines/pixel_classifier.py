"""An Ilastik-style pixel classifier: a random forest on Ilastik's filter bank, three classes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from advseg.baselines.features import ILASTIK_SCALES, filter_bank
from advseg.data.augment import normalize
from advseg.data.datasets import Sample
from advseg.data.targets import three_class_targets
from advseg.evaluation.postprocess import postprocess

__all__ = ["IlastikStyleClassifier"]


class IlastikStyleClassifier:
    """Pixel classification as Ilastik does it, predicting background / interior / contour.

    Not Ilastik itself: the same idea (a random forest of 100 trees on the
    default filter bank) trained on the same annotated frames as the networks,
    followed by the same post-processing.

    Parameters
    ----------
    n_pixels : int
        Training pixels sampled per class and frame (a user's scribbles cover a
        few thousand pixels; dense labels would be every pixel).
    n_trees : int
    scales : tuple of float
    seed : int
    """

    name = "ilastik-style"

    def __init__(self, *, n_pixels: int = 3000, n_trees: int = 100, scales: tuple[float, ...] = ILASTIK_SCALES, seed: int = 0, n_jobs: int = -1) -> None:
        self.n_pixels, self.scales, self.seed = n_pixels, scales, seed
        self.forest = RandomForestClassifier(n_estimators=n_trees, n_jobs=n_jobs, random_state=seed, min_samples_leaf=2)

    def _features(self, image: np.ndarray) -> np.ndarray:
        return filter_bank(normalize(image, mode="percentile"), scales=self.scales)  # (H, W, F)

    def fit(self, samples: Sequence[Sample]) -> IlastikStyleClassifier:
        """Train on sampled pixels of each frame, balanced over the three classes."""
        rng = np.random.default_rng(self.seed)
        xs, ys = [], []
        for sample in samples:
            features, classes = self._features(sample.image), three_class_targets(sample.labels)
            for c in range(3):
                where = np.flatnonzero(classes.ravel() == c)
                if where.size:
                    chosen = rng.choice(where, size=min(self.n_pixels, where.size), replace=False)
                    xs.append(features.reshape(-1, features.shape[-1])[chosen])
                    ys.append(np.full(chosen.size, c))
        if not xs:
            raise ValueError("`samples` must hold at least one frame with pixels to learn from")
        self.forest.fit(np.concatenate(xs), np.concatenate(ys))
        return self

    def predict_probs(self, image: np.ndarray) -> np.ndarray:
        """(H, W) image -> (3, H, W) class probabilities."""
        features = self._features(image)
        H, W, F = features.shape
        probs = np.zeros((3, H * W), np.float32)
        probs[self.forest.classes_] = self.forest.predict_proba(features.reshape(-1, F)).T
        return probs.reshape(3, H, W)

    def predict_labels(self, image: np.ndarray, *, method: str = "paper") -> np.ndarray:
        """(H, W) image -> (H, W) uint16 instance labels (uint32 above 65,535 nuclei)."""
        return postprocess(self.predict_probs(image), method=method)
