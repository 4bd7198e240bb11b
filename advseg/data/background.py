"""Uneven, drifting illumination taken out before normalisation: a smooth background field subtracted.

Vignetting and illumination that drifts over a movie raise the background in some
places and some frames more than in others. A model trained on one frame learns
that frame's background level, and labels a brighter patch of another frame as
nucleus (the results chapter measures it on the synthetic movie's last third).
:func:`background_field` estimates the background under the nuclei as a field
that varies slowly across the image: a low percentile of each 16-px block (the
background wherever a block is not wholly inside a nucleus), then the median over
9 x 9 blocks (144 px: blocks wholly inside nuclei are outvoted while they are fewer
than half, and a linear ramp of illumination is followed without bias), smoothed
and interpolated back to every pixel.
:func:`flat_normalize` subtracts it and then scales by percentiles, as
``normalize="percentile"`` does.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage as ndi

__all__ = ["BLOCK", "QUANTILE", "SMOOTH", "WINDOW", "background_field", "flat_normalize"]

BLOCK = 16  # px, side of the blocks whose low percentile is taken
WINDOW = 9  # blocks, side of the window over which the block levels' low percentile is taken
QUANTILE = 10.0  # percent, within each block (a block partly covered by a nucleus keeps its background level)
SMOOTH = 2.0  # blocks, Gaussian sigma over the block levels


def background_field(image: np.ndarray) -> np.ndarray:
    """A smooth estimate of the background level at every pixel.

    Parameters
    ----------
    image : (H, W) ndarray
        Raw intensities, any dtype.

    Returns
    -------
    (H, W) ndarray of float32

    Examples
    --------
    A ramp of illumination under bright squares: the field follows the ramp, not the squares.

    >>> y, x = np.mgrid[:128, :256]
    >>> image = 100.0 + 0.5 * x
    >>> image[(y % 32 < 12) & (x % 32 < 12)] += 300.0
    >>> field = background_field(image)
    >>> bool(np.abs(field - (100.0 + 0.5 * x))[:, 40:-40].max() < 12)
    True
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"`image` must be a 2-D (H, W) array, got shape {image.shape}")
    H, W = image.shape
    h, w = math.ceil(H / BLOCK), math.ceil(W / BLOCK)
    padded = np.pad(image, ((0, h * BLOCK - H), (0, w * BLOCK - W)), mode="edge")
    blocks = padded.reshape(h, BLOCK, w, BLOCK).transpose(0, 2, 1, 3).reshape(h, w, BLOCK * BLOCK)
    levels = np.percentile(blocks, QUANTILE, axis=2)  # (h, w)
    levels = ndi.median_filter(levels, size=WINDOW, mode="nearest")  # blocks inside nuclei are outvoted; a ramp stays
    levels = ndi.gaussian_filter(levels, SMOOTH, mode="nearest")
    rows = (np.arange(H, dtype=np.float32) + 0.5) / BLOCK - 0.5  # block centres sit at half-block offsets
    cols = (np.arange(W, dtype=np.float32) + 0.5) / BLOCK - 0.5
    grid = np.meshgrid(rows, cols, indexing="ij")
    return ndi.map_coordinates(levels, grid, order=1, mode="nearest").astype(np.float32)


def flat_normalize(image: np.ndarray, *, percentiles: tuple[float, float] = (1.0, 99.8)) -> np.ndarray:
    """The image less its background field, then its ``percentiles`` mapped to 0 and 1.

    Examples
    --------
    The same nucleus on a dim and on a bright part of the background comes out equally bright:

    >>> image = 100.0 + np.mgrid[:96, :256][1].astype(float)  # lit more strongly to the right
    >>> image[40:56, 40:56] += 400.0
    >>> image[40:56, 192:208] += 400.0
    >>> out = flat_normalize(image)
    >>> bool(abs(out[48, 48] - out[48, 200]) < 0.05 and abs(out[10, 48] - out[10, 200]) < 0.05)
    True
    """
    flat = np.asarray(image, dtype=np.float32) - background_field(image)
    low, high = np.percentile(flat, percentiles)
    return ((flat - low) / max(float(high - low), 1e-6)).astype(np.float32)
