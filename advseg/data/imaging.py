"""The microscope of the synthetic movie: uneven background and illumination, blur, camera noise."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

__all__ = ["expose", "uneven_fields"]


def uneven_fields(height: int, width: int, *, background: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uneven background (counts) and vignetted illumination (relative), both (H, W) float32.

    Examples
    --------
    >>> bg, light = uneven_fields(32, 40, background=100.0, rng=np.random.default_rng(0))
    >>> bg.shape, light.shape, bool(light.max() <= 1.0)
    ((32, 40), (32, 40), True)
    """
    H, W = height, width
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    yy, xx = yy / H - 0.5, xx / W - 0.5
    cy, cx = rng.uniform(-0.2, 0.2, 2)
    illumination = 1.0 - 0.9 * ((yy - cy) ** 2 + (xx - cx) ** 2)  # ~0.6 in the corners
    gy, gx = rng.normal(0, 0.15, 2)
    h, w = max(H // 16, 2), max(W // 16, 2)
    blobs = ndi.gaussian_filter(rng.standard_normal((h, w)).astype(np.float32), 3.0)
    blobs = ndi.zoom(blobs / (blobs.std() + 1e-6), (H / h, W / w), order=3)  # (H, W)
    field = background * (1.0 + gy * yy + gx * xx + 0.08 * blobs)
    return field.astype(np.float32), illumination.astype(np.float32)


def expose(signal: np.ndarray, background: np.ndarray, illumination: np.ndarray, *, bleach: float, gain: float,
           blur_sigma: float, adu_per_electron: float, offset: float, read_noise: float, rng: np.random.Generator) -> np.ndarray:
    """One camera frame (H, W) uint16: illuminate ``background + gain * bleach * signal``, blur, add Poisson-Gaussian noise, quantise.

    Examples
    --------
    >>> flat = np.zeros((8, 8), np.float32)
    >>> frame = expose(flat, flat + 100, flat + 1, bleach=1.0, gain=1.0, blur_sigma=1.0, adu_per_electron=1.0,
    ...                offset=0.0, read_noise=0.0, rng=np.random.default_rng(0))
    >>> frame.dtype, 80 < frame.mean() < 120
    (dtype('uint16'), np.True_)
    """
    expected = illumination * (background + gain * bleach * signal)
    expected = ndi.gaussian_filter(expected, blur_sigma)
    electrons = rng.poisson(np.maximum(expected, 0) / adu_per_electron)
    counts = electrons * adu_per_electron + rng.normal(offset, read_noise, expected.shape)
    return np.clip(np.rint(counts), 0, 65535).astype(np.uint16)
