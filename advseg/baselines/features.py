"""Ilastik's default pixel features: six filters at scales 0.3 to 10 px."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

__all__ = ["ILASTIK_SCALES", "feature_names", "filter_bank"]

ILASTIK_SCALES = (0.3, 0.7, 1.0, 1.6, 3.5, 5.0, 10.0)  # Ilastik's default scales (sigma, px)


def _eigenvalues_2x2(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (larger, smaller) of the symmetric matrices [[a, b], [b, c]], elementwise."""
    mean, radius = (a + c) / 2, np.sqrt(((a - c) / 2) ** 2 + b**2)
    return mean + radius, mean - radius


def feature_names(scales: tuple[float, ...] = ILASTIK_SCALES) -> list[str]:
    """Names of :func:`filter_bank`'s channels, in order."""
    names = []
    for s in scales:
        names.append(f"gaussian_{s}")
        if s >= 0.7:  # Ilastik offers the derivative filters from 0.7 px on
            names += [f"log_{s}", f"gradient_{s}", f"dog_{s}", f"structure_max_{s}", f"structure_min_{s}", f"hessian_max_{s}", f"hessian_min_{s}"]
    return names


def filter_bank(image: np.ndarray, *, scales: tuple[float, ...] = ILASTIK_SCALES) -> np.ndarray:
    """Ilastik's default filters: Gaussian smoothing, Laplacian of Gaussian, Gaussian gradient
    magnitude, difference of Gaussians, structure-tensor eigenvalues and Hessian-of-Gaussian
    eigenvalues, each at every scale (the derivative filters from 0.7 px on).

    Parameters
    ----------
    image : (H, W) ndarray
        Best normalised (e.g. percentile-scaled).
    scales : tuple of float
        Gaussian sigmas, px.

    Returns
    -------
    (H, W, F) ndarray of float32
        F = 49 channels at the default scales, named by :func:`feature_names`.

    Examples
    --------
    >>> filter_bank(np.zeros((16, 16))).shape
    (16, 16, 49)
    """
    image = np.asarray(image, dtype=np.float32)
    channels = []
    for s in scales:
        channels.append(ndi.gaussian_filter(image, s))
        if s < 0.7:
            continue
        channels.append(ndi.gaussian_laplace(image, s))
        channels.append(ndi.gaussian_gradient_magnitude(image, s))
        channels.append(ndi.gaussian_filter(image, s) - ndi.gaussian_filter(image, 0.66 * s))
        gy, gx = ndi.gaussian_filter(image, s, order=(1, 0)), ndi.gaussian_filter(image, s, order=(0, 1))
        window = 2 * s  # structure tensor: gradient products smoothed at twice the scale
        channels += _eigenvalues_2x2(ndi.gaussian_filter(gx * gx, window), ndi.gaussian_filter(gx * gy, window), ndi.gaussian_filter(gy * gy, window))
        hyy = ndi.gaussian_filter(image, s, order=(2, 0))
        hxy = ndi.gaussian_filter(image, s, order=(1, 1))
        hxx = ndi.gaussian_filter(image, s, order=(0, 2))
        channels += _eigenvalues_2x2(hxx, hxy, hyy)
    return np.stack(channels, axis=-1).astype(np.float32)
