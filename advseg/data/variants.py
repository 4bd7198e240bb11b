"""Variants of an annotated image a model meets on other microscopes: nuclei half or twice as large, a dim 8-bit frame.

``benchmarks/scale_variants.py`` scores a model on such variants of the DSB2018
test split, ``benchmarks/one_frame.py`` trains on a variant of one frame; both make
them here, so that a table's "x 0.5" or "dim 8-bit" is one transformation.
"""

from __future__ import annotations

import numpy as np
from skimage.transform import resize

__all__ = ["VARIANTS", "variant"]

VARIANTS = ("original", "x0.5", "x2", "dim 8-bit")  # in the order tables list them
DIM_FRACTION = 0.2  # "dim 8-bit": the image's range mapped to a fifth of 0..255 ...
DIM_NOISE = 1.0  # ... plus Gaussian noise of this many grey levels, then rounded


def variant(image: np.ndarray, labels: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The image and labels of one variant.

    Parameters
    ----------
    image : (H, W) ndarray
        Raw intensities, any dtype.
    labels : (H, W) ndarray of int
        Instance labels (0 = background).
    name : str
        One of :data:`VARIANTS`: ``"original"`` (unchanged), ``"x0.5"`` and ``"x2"``
        (rescaled: image bilinearly, with anti-aliasing when shrinking; labels by nearest
        neighbour), ``"dim 8-bit"`` (the range from minimum to maximum mapped to a fifth
        of the 8-bit range, noise of one grey level added with a fixed seed, rounded and
        clipped to 0..255; labels unchanged).

    Returns
    -------
    image : (H', W') ndarray
        float32, except ``"original"``, which returns both arrays as they came.
    labels : (H', W') ndarray, ``labels.dtype``

    Examples
    --------
    >>> image, labels = variant(np.ones((10, 12)), np.zeros((10, 12), np.int32), "x0.5")
    >>> image.shape, labels.shape
    ((5, 6), (5, 6))
    """
    if name not in VARIANTS:
        raise ValueError(f"`name` must be one of {list(VARIANTS)}, got {name!r}")
    if np.shape(image) != np.shape(labels) or np.ndim(image) != 2:
        raise ValueError(f"`image` and `labels` must be 2-D of one shape, got {np.shape(image)} and {np.shape(labels)}")
    if name in ("x0.5", "x2"):
        factor = 0.5 if name == "x0.5" else 2.0
        shape = (int(round(image.shape[0] * factor)), int(round(image.shape[1] * factor)))
        return (resize(image, shape, order=1, preserve_range=True, anti_aliasing=factor < 1).astype(np.float32),
                resize(labels, shape, order=0, preserve_range=True, anti_aliasing=False).astype(labels.dtype))
    if name == "dim 8-bit":
        low, high = float(np.min(image)), float(np.max(image))
        dim = DIM_FRACTION * (image - low) / max(high - low, 1e-6) * 255.0
        noisy = dim + np.random.default_rng(0).normal(0, DIM_NOISE, image.shape)
        return np.clip(np.rint(noisy), 0, 255).astype(np.float32), labels
    return image, labels
