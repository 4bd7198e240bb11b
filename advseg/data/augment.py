"""Crops, geometric augmentation and intensity normalisation of image/target pairs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage as ndi

from advseg.data.background import flat_normalize
from advseg.data.contrast import robust_normalize

__all__ = ["NORMALIZERS", "dihedral", "normalize", "random_crop", "rotate_pair"]


def dihedral(array: np.ndarray, k: int) -> np.ndarray:
    """Apply the ``k``-th of the 8 dihedral transforms to the last two axes.

    ``k % 4`` quarter-turns counter-clockwise, then a left-right flip when ``k >= 4``.

    Parameters
    ----------
    array : (..., H, W) ndarray
    k : int
        0 to 7; 0 is the identity.

    Returns
    -------
    (..., H, W) or (..., W, H) ndarray
        A view where possible.

    Raises
    ------
    ValueError
        If ``k`` is not in 0..7.

    Examples
    --------
    >>> dihedral(np.array([[1, 2], [3, 4]]), 1).tolist()
    [[2, 4], [1, 3]]
    """
    if not 0 <= k <= 7:
        raise ValueError(f"`k` must be an integer in 0..7, got {k}")
    out = np.rot90(array, k % 4, axes=(-2, -1))
    return out[..., ::-1] if k >= 4 else out


def rotate_pair(image: np.ndarray, target: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate an image (linear interpolation) and its target (nearest neighbour) by ``angle`` degrees.

    Parameters
    ----------
    image : (H, W) ndarray of float
    target : (H, W) ndarray of int
    angle : float
        Counter-clockwise, in degrees. Corners are filled by reflection.

    Returns
    -------
    image, target : (H, W) ndarrays
        Same shapes and dtypes as the inputs.
    """
    if image.shape != target.shape:
        raise ValueError(f"`target` (shape {target.shape}) must have the same shape as `image` (shape {image.shape})")
    rotated = ndi.rotate(image, angle, reshape=False, order=1, mode="reflect")
    rotated_target = ndi.rotate(target, angle, reshape=False, order=0, mode="reflect")
    return rotated.astype(image.dtype, copy=False), rotated_target.astype(target.dtype, copy=False)


def random_crop(
    image: np.ndarray, target: np.ndarray, *, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Cut the same random ``size`` x ``size`` window from an image and its target.

    Parameters
    ----------
    image, target : (H, W) ndarrays
    size : int
        Side of the crop; at most ``min(H, W)``.
    rng : numpy.random.Generator

    Returns
    -------
    image, target : (size, size) ndarrays (views)

    Raises
    ------
    ValueError
        If the shapes differ or ``size`` exceeds the image.
    """
    if image.shape != target.shape:
        raise ValueError(f"`target` (shape {target.shape}) must have the same shape as `image` (shape {image.shape})")
    H, W = image.shape
    if size > min(H, W):
        raise ValueError(f"`size` ({size}) must not exceed the image's smaller side (image shape {image.shape})")
    y, x = int(rng.integers(H - size + 1)), int(rng.integers(W - size + 1))
    return image[y : y + size, x : x + size], target[y : y + size, x : x + size]


def _identity(image: np.ndarray, *, percentiles: tuple[float, float]) -> np.ndarray:
    return image.astype(np.float32, copy=False)


def _percentile(image: np.ndarray, *, percentiles: tuple[float, float]) -> np.ndarray:
    low, high = np.percentile(image, percentiles)
    return ((image - low) / max(float(high - low), 1e-6)).astype(np.float32)


# name -> function(image, *, percentiles) returning float32
NORMALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "none": _identity,  # raw counts, as the original code fed them (its first batch norm normalises)
    "percentile": _percentile,  # low percentile -> 0, high percentile -> 1, per image
    "robust": robust_normalize,  # background -> 0, typical nucleus -> 1, clipped (advseg.data.contrast)
    "flat": flat_normalize,  # a smooth background field subtracted, then "percentile" (advseg.data.background)
}


def normalize(image: np.ndarray, *, mode: str = "none", percentiles: tuple[float, float] = (1.0, 99.8)) -> np.ndarray:
    """Normalise an image's intensities with the method named ``mode``.

    Parameters
    ----------
    image : (H, W) ndarray
    mode : {"none", "percentile", "robust", "flat"}
    percentiles : (float, float)
        Used by ``"percentile"``, ``"robust"`` (see :mod:`advseg.data.contrast`) and ``"flat"``
        (see :mod:`advseg.data.background`).

    Returns
    -------
    (H, W) ndarray of float32

    Examples
    --------
    >>> normalize(np.arange(101.0), mode="percentile", percentiles=(0, 100))[[0, 50, 100]].tolist()
    [0.0, 0.5, 1.0]
    """
    if mode not in NORMALIZERS:
        raise ValueError(f"`mode` must be one of {sorted(NORMALIZERS)}, got {mode!r}")
    return NORMALIZERS[mode](image, percentiles=percentiles)
