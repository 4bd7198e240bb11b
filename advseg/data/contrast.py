"""Contrast normalisation that a few saturated nuclei, a dim 8-bit frame or a 16-bit frame do not mislead.

Percentile scaling (``normalize="percentile"``) maps the 99.8th percentile of an
image to 1: in a frame with a few saturated mitotic nuclei that percentile is
theirs, and every other nucleus lands near the background. :func:`robust_normalize`
instead maps the background to 0 and the *typical* nucleus to 1: it smooths the
image (so that noise and single hot pixels do not set the levels), takes the
background from a low percentile, finds the foreground by Otsu's threshold on the
log of the smoothed intensities above the background in units of its noise (so
a long bright tail does not pull the threshold up, and the gain does not matter), and takes the median foreground intensity as the nucleus level.
The result is clipped, so that saturated nuclei stay a few units bright.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from skimage.filters import threshold_otsu

__all__ = ["ROBUST_CLIP", "contrast_levels", "robust_normalize"]

ROBUST_CLIP = (-1.0, 4.0)  # normalised values are clipped to this range (typical nucleus = 1)
_SMOOTH_SIGMA = 1.0  # px, Gaussian smoothing before the levels are measured
_MIN_FOREGROUND = 0.001  # the foreground must be at least this fraction of the image ...
_MAX_FOREGROUND = 0.9  # ... and at most this, else the high percentile is the nucleus level


def contrast_levels(image: np.ndarray, *, percentiles: tuple[float, float] = (1.0, 99.8)) -> tuple[float, float]:
    """Background and typical-nucleus intensity of an image.

    Parameters
    ----------
    image : (H, W) ndarray
        Raw intensities, any dtype.
    percentiles : (float, float), optional
        The low one sets the background level; the high one is the nucleus
        level only when no plausible foreground is found (an empty or
        all-foreground image).

    Returns
    -------
    low, high : float
        ``high > low`` always.

    Examples
    --------
    Six dim nuclei and one saturated one: the nucleus level is the dim ones'.

    >>> image = np.full((64, 64), 10.0)
    >>> for y in (4, 20, 36):
    ...     image[y : y + 12, 4:16] = image[y : y + 12, 24:36] = 110.0
    >>> image[48:60, 44:56] = 5000.0
    >>> [round(v) for v in contrast_levels(image)]
    [10, 104]
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"`image` must be a 2-D (H, W) array, got shape {image.shape}")
    smooth = ndi.gaussian_filter(image, _SMOOTH_SIGMA, mode="mirror")  # mirror: as torch's reflect (advseg.interop)
    low, fallback = (float(v) for v in np.percentile(smooth, percentiles))
    above = np.maximum(smooth - low, 0.0)
    spread = 1.4826 * float(np.median(np.abs(smooth - np.median(smooth))))  # ~ the background's noise
    if not spread > 0:  # a flat background (a dim 8-bit frame): a hundredth of what stands above it
        positive = above[above > 0]
        spread = 0.01 * float(np.median(positive)) if positive.size else 0.0
    scale = max(spread, 1e-12)  # proportional to the gain, so the threshold is too
    lifted = np.log1p(above / scale)
    high = fallback
    if float(lifted.max()) > float(lifted.min()):
        threshold = threshold_otsu(lifted)
        foreground = smooth[lifted > threshold]
        if _MIN_FOREGROUND <= foreground.size / smooth.size <= _MAX_FOREGROUND:
            high = float(np.median(foreground))
    if not high > low:
        high = low + max(abs(low) * 1e-3, 1e-6)  # a flat image: any positive span
    return low, high


def robust_normalize(image: np.ndarray, *, percentiles: tuple[float, float] = (1.0, 99.8)) -> np.ndarray:
    """Background -> 0, typical nucleus -> 1, clipped to :data:`ROBUST_CLIP`.

    Parameters
    ----------
    image : (H, W) ndarray
    percentiles : (float, float), optional
        See :func:`contrast_levels`.

    Returns
    -------
    (H, W) ndarray of float32

    Examples
    --------
    >>> image = np.full((64, 64), 10.0)
    >>> for y in (4, 20, 36):
    ...     image[y : y + 12, 4:16] = image[y : y + 12, 24:36] = 110.0
    >>> image[48:60, 44:56] = 5000.0
    >>> out = robust_normalize(image)
    >>> [round(float(out[0, 0]), 1), round(float(out[10, 10]), 1), float(out[54, 50])]
    [0.0, 1.1, 4.0]
    """
    low, high = contrast_levels(image, percentiles=percentiles)
    out = (np.asarray(image, dtype=np.float32) - np.float32(low)) / np.float32(high - low)
    return np.clip(out, *ROBUST_CLIP).astype(np.float32, copy=False)
