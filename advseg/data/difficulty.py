"""How hard a fluorescence movie is: touching nuclei, brightness spread between nuclei, signal to noise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

__all__ = ["Difficulty", "background_level", "measure_difficulty", "nucleus_snr"]


@dataclass(frozen=True)
class Difficulty:
    """What :func:`measure_difficulty` found, over all frames given."""

    n_frames: int
    n_nuclei: int  # nucleus instances summed over frames
    touching_fraction: float  # share of nuclei whose mask touches another nucleus's (8-connectivity)
    brightness_ratio: float  # 95th / 5th percentile of the nuclei's mean contrast above the background
    snr_median: float  # median nucleus contrast over the background noise's standard deviation
    snr_p10: float  # the same, 10th percentile: how the dim nuclei fare

    def to_dict(self) -> dict[str, float]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _touching(labels: np.ndarray) -> tuple[int, int]:
    """(nuclei, nuclei touching another) in one (H, W) label image."""
    ids = np.unique(labels)
    ids = ids[ids > 0]
    touching: set[int] = set()
    for a, b in ((labels[:, 1:], labels[:, :-1]), (labels[1:, :], labels[:-1, :]),
                 (labels[1:, 1:], labels[:-1, :-1]), (labels[1:, :-1], labels[:-1, 1:])):
        differ = (a != b) & (a > 0) & (b > 0)
        touching.update(np.unique(a[differ]).tolist())
        touching.update(np.unique(b[differ]).tolist())
    return len(ids), len(touching)


def _far_from_nuclei(labels: np.ndarray) -> np.ndarray:
    """(H, W) bool: background clear of the nuclei and their blur."""
    return ~ndi.binary_dilation(np.asarray(labels) > 0, iterations=6)


def background_level(image: np.ndarray, labels: np.ndarray, *, sigma: float = 25.0) -> np.ndarray:
    """The smooth background (H, W) float32: a normalised Gaussian average of pixels well away from nuclei.

    Examples
    --------
    >>> y = np.zeros((40, 40), int); y[15:25, 15:25] = 1
    >>> level = background_level(np.full((40, 40), 7.0) + 50 * (y > 0), y, sigma=5)
    >>> bool(np.allclose(level, 7.0, atol=1e-3))
    True
    """
    far = _far_from_nuclei(labels)
    image = np.asarray(image, np.float32)
    weight = ndi.gaussian_filter(far.astype(np.float32), sigma)
    return ndi.gaussian_filter(np.where(far, image, 0), sigma) / np.maximum(weight, 1e-3)


def _contrast_and_noise(image: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """Mean contrast of each nucleus over the nearby background (K,) and the background noise sd."""
    image = image.astype(np.float32)
    far = _far_from_nuclei(labels)
    level = background_level(image, labels)
    ids = np.unique(labels)
    ids = ids[ids > 0]
    contrast = np.asarray(ndi.mean(image - level, labels, ids), np.float64) if ids.size else np.zeros(0)
    steps = (image[:, 1:] - image[:, :-1])[far[:, 1:] & far[:, :-1]]  # white noise: sd of a difference is sqrt(2) sd
    noise = 1.4826 * float(np.median(np.abs(steps - np.median(steps)))) / np.sqrt(2.0) if steps.size else float("nan")
    return contrast, noise


def nucleus_snr(images: Sequence[np.ndarray], labels: Sequence[np.ndarray]) -> np.ndarray:
    """Each nucleus's mean contrast over the nearby background, in units of the frame's noise sd: (K,) over all frames.

    Examples
    --------
    >>> y = np.zeros((40, 40), np.uint16); y[10:20, 10:20] = 1
    >>> x = np.random.default_rng(0).normal(100, 5, y.shape) + 50 * (y > 0)
    >>> snr = nucleus_snr([x], [y])
    >>> snr.shape, bool(8 < snr[0] < 12)
    ((1,), True)
    """
    out = []
    for image, y in zip(images, labels):
        contrast, noise = _contrast_and_noise(np.asarray(image), np.asarray(y))
        out.append(contrast / noise)
    return np.concatenate(out) if out else np.zeros(0)


def measure_difficulty(images: Sequence[np.ndarray], labels: Sequence[np.ndarray]) -> Difficulty:
    """Touching fraction, brightness spread and SNR of annotated frames.

    Parameters
    ----------
    images : sequence of (H, W) ndarrays
        Raw frames.
    labels : sequence of (H, W) ndarrays of int
        Their instance labels.

    Returns
    -------
    Difficulty

    Examples
    --------
    >>> y = np.zeros((40, 40), np.uint16); y[5:15, 5:15] = 1; y[5:15, 15:25] = 2; y[28:36, 28:36] = 3
    >>> x = np.random.default_rng(0).normal(100, 5, y.shape) + 50 * (y > 0)
    >>> d = measure_difficulty([x], [y])
    >>> d.n_nuclei, round(d.touching_fraction, 2)
    (3, 0.67)
    """
    if len(images) != len(labels):
        raise ValueError(f"`labels` ({len(labels)} frames) must be as long as `images` ({len(images)} frames)")
    n_total = n_touching = 0
    contrasts, noises = [], []
    for image, y in zip(images, labels):
        n, k = _touching(np.asarray(y))
        n_total, n_touching = n_total + n, n_touching + k
        contrast, noise = _contrast_and_noise(np.asarray(image), np.asarray(y))
        contrasts.append(contrast)
        noises.append(noise)
    contrast = np.concatenate(contrasts) if contrasts else np.zeros(0)
    noise = float(np.nanmedian(noises)) if noises else float("nan")
    positive = contrast[contrast > 0]
    ratio = float(np.percentile(positive, 95) / np.percentile(positive, 5)) if positive.size else float("nan")
    snr = contrast / noise if noise > 0 else np.full_like(contrast, np.nan)
    return Difficulty(
        n_frames=len(images), n_nuclei=n_total, touching_fraction=n_touching / max(n_total, 1), brightness_ratio=ratio,
        snr_median=float(np.median(snr)) if snr.size else float("nan"), snr_p10=float(np.percentile(snr, 10)) if snr.size else float("nan"),
    )
