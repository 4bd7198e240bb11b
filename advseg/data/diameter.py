"""Nucleus size: the median diameter of annotated nuclei, an estimate from an image alone, and a frame rescaled."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import scipy.fft as sfft
from scipy import ndimage as ndi
from skimage.transform import resize

from advseg.data.datasets import Sample

__all__ = ["FEWEST_NUCLEI", "AnnotationWarning", "annotation_advice", "estimate_diameter", "median_diameter", "rescale_sample",
           "scaled_shape"]

FEWEST_NUCLEI = 20  # fewer annotated nuclei than this and a network has little to learn from


class AnnotationWarning(UserWarning):
    """The annotations will train a weak model (too few nuclei, or nuclei the wrong size for the crops)."""


def median_diameter(labels: Sequence[np.ndarray]) -> float:
    """Median equivalent-circle diameter ``2 sqrt(area / pi)`` of the nuclei in label images, px.

    Parameters
    ----------
    labels : sequence of (H, W) ndarrays of int
        Instance labels; 0 is background.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the images hold no nucleus.

    Examples
    --------
    >>> y = np.zeros((40, 40), int); y[2:12, 2:12] = 1; y[20:30, 20:30] = 2
    >>> round(median_diameter([y]), 2)
    11.28
    """
    areas = []
    for y in labels:
        counts = np.bincount(np.asarray(y).ravel().astype(np.int64))
        areas.append(counts[1:][counts[1:] > 0])
    areas_all = np.concatenate(areas) if areas else np.zeros(0)
    if areas_all.size == 0:
        raise ValueError("`labels` must hold at least one nucleus to measure a diameter")
    return float(np.median(2.0 * np.sqrt(areas_all / np.pi)))


def annotation_advice(labels: Sequence[np.ndarray], *, crop_size: int, diameter: float | None = None) -> list[str]:
    """What is wrong with a set of annotations for training on ``crop_size`` crops, one sentence each.

    Parameters
    ----------
    labels : sequence of (H, W) ndarrays of int
        The training frames' instance labels.
    crop_size : int
        Side of the training crops, px.
    diameter : float, optional
        Their median nucleus diameter, px, where the caller has measured it
        (:func:`median_diameter`); measured here otherwise.

    Returns
    -------
    list of str
        Empty when the annotations look fit: at least :data:`FEWEST_NUCLEI`
        nuclei, a median diameter of at least 6 px and at most a third of
        the crop (so a crop holds whole nuclei and the gaps between them).

    Examples
    --------
    >>> y = np.zeros((64, 64), int); y[2:12, 2:12] = 1
    >>> annotation_advice([y], crop_size=64)[0][:40]
    'only 1 annotated nucleus in 1 image: a n'
    """
    counts = [int(np.count_nonzero(np.unique(np.asarray(y)))) for y in labels]  # ids other than 0, whether or not 0 occurs
    total, images = sum(counts), len(counts)
    advice = []
    if total < FEWEST_NUCLEI:
        advice.append(f"only {total} annotated nucle{'us' if total == 1 else 'i'} in {images} image{'s' * (images != 1)}: a network "
                      f"learns little from fewer than {FEWEST_NUCLEI}; annotate more nuclei or more images")
    if total:
        diameter = median_diameter(labels) if diameter is None else diameter
        if diameter > crop_size / 3:
            suggested = int(16 * np.ceil(4 * diameter / 16))
            advice.append(f"the median nucleus is {diameter:.0f} px across, large for {crop_size}-px training crops (fewer than "
                          f"3 across): use larger crops (--set crop_size={suggested}, if the images are that large) or "
                          f"downscale the images")
        elif diameter < 6:
            advice.append(f"the median nucleus is {diameter:.1f} px across: too few pixels to tell interior from contour; "
                          f"upscale the images 2x or more before annotating and training")
    return advice


def _normalised_log(x: np.ndarray, sigmas: np.ndarray, *, workers: int = 1) -> np.ndarray:
    """``-sigma^2 LoG(x)`` at each sigma, (S, h, w) float32, through one FFT of the reflect-padded image.

    The padding reaches a length the FFT factors fast (``next_fast_len``) with
    reflected pixels, never zeros, and the transforms run in single precision
    on ``workers`` threads.
    """
    pad = min(int(3 * sigmas.max()) + 1, min(x.shape) - 1)
    h, w = x.shape
    shape = tuple(sfft.next_fast_len(n + 2 * pad, real=True) for n in (h, w))
    extra = [min(n - m - 2 * pad, m - 1) for n, m in zip(shape, (h, w))]  # what reflection can fill on the far side
    padded = np.pad(np.asarray(x, np.float32), ((pad, pad + extra[0]), (pad, pad + extra[1])), mode="reflect")
    spectrum = sfft.rfft2(padded, s=shape, workers=workers)
    ky = sfft.fftfreq(shape[0]).astype(np.float32)[:, None]
    kx = sfft.rfftfreq(shape[1]).astype(np.float32)[None, :]
    k2 = np.float32((2 * np.pi) ** 2) * (ky * ky + kx * kx)  # the Laplacian is -k2 in Fourier space, a Gaussian exp(-k2 s^2 / 2)
    out = np.empty((len(sigmas), h, w), np.float32)
    for i, sigma in enumerate(np.asarray(sigmas, np.float32)):
        response = sfft.irfft2(spectrum * (sigma * sigma * k2 * np.exp(-0.5 * k2 * sigma * sigma)), s=shape, workers=workers)
        out[i] = response[pad:pad + h, pad:pad + w]
    return out


def _peak_scales(stack: np.ndarray, threshold: float) -> np.ndarray:
    """Scale index of each local maximum of ``stack`` (S, h, w) over 3 scales x 5 x 5 px above ``threshold``.

    Only the voxels above ``threshold`` (a small fraction) are compared with
    their neighbourhood, which is what a full maximum filter would find.
    """
    flat = np.flatnonzero(stack > threshold)  # 1-D search, then unravelled: faster than argwhere on (S, h, w)
    candidates = np.stack(np.unravel_index(flat, stack.shape), axis=1)  # (K, 3)
    values = stack.ravel()[flat]
    padded = np.pad(stack, ((1, 1), (2, 2), (2, 2)), constant_values=-np.inf)
    keep = np.ones(len(candidates), bool)
    for dz in range(3):
        for dy in range(5):
            for dx in range(5):
                keep &= values >= padded[candidates[:, 0] + dz, candidates[:, 1] + dy, candidates[:, 2] + dx]
    return candidates[keep, 0]


def estimate_diameter(image: np.ndarray, *, smallest: float = 4.0, largest: float = 160.0, n_scales: int = 24,
                      workers: int | None = None) -> float:
    """Typical nucleus diameter of an image without annotations, px, from its blobs across scales.

    The image is normalised (1st-99.5th percentile), and for each scale
    ``sigma`` the scale-normalised Laplacian of Gaussian ``-sigma^2 LoG`` is
    computed; a bright disk of diameter ``d`` answers most strongly at
    ``sigma = d / (2 sqrt 2)``. The answer is the median best scale over the
    image's strongest blob centres (local maxima in position and scale above
    half the strongest response), as a diameter. The filters are applied in
    Fourier space on the image averaged over 2 x 2 blocks (and over larger
    blocks beyond 1024 px a side), so a frame takes a fraction of a second;
    where that finds nuclei under 8 px (:data:`COARSE_PX` on the coarse grid),
    the estimate is made again at full resolution.

    Parameters
    ----------
    image : (H, W) ndarray
    smallest, largest : float, optional
        Range of diameters searched, px.
    n_scales : int, optional
        Scales tried, geometrically spaced.
    workers : int, optional
        Threads of the Fourier transforms (default: ``OMP_NUM_THREADS`` where
        set, else the CPUs this process may use).

    Returns
    -------
    float
        Diameter, px (``nan`` for a flat image).

    Examples
    --------
    >>> yy, xx = np.mgrid[:128, :128]
    >>> disks = sum(((yy - cy) ** 2 + (xx - cx) ** 2 < 10 ** 2) for cy, cx in [(30, 30), (30, 90), (90, 60)])
    >>> 17 < estimate_diameter(disks.astype(float)) < 24
    True
    """
    image = np.asarray(image, np.float32)
    low, high = np.percentile(image, [1.0, 99.5])
    if high <= low:
        return float("nan")
    x = (np.clip(image, low, high) - low) / (high - low)
    fine = max(1, int(min(image.shape) // 1024))  # large images are always downsampled
    coarse = 2 * fine if min(image.shape) >= 128 * fine else fine
    workers = _threads() if workers is None else workers
    estimate = _blob_diameter(x, coarse, smallest=smallest, largest=largest, n_scales=n_scales, workers=workers)
    if coarse > fine and not estimate >= COARSE_PX * coarse:  # nuclei too small for the coarse grid (or none found)
        estimate = _blob_diameter(x, fine, smallest=smallest, largest=largest, n_scales=n_scales, workers=workers)
    return estimate


#: the estimate is first made at half resolution, and again at full resolution when it finds nuclei under this
#: many px there (4 px on the coarse grid: smaller blobs are poorly resolved by the Laplacian of Gaussian)
COARSE_PX = 4.0


def _blob_diameter(x: np.ndarray, factor: int, *, smallest: float, largest: float, n_scales: int, workers: int) -> float:
    """:func:`estimate_diameter` on ``x`` (normalised to [0, 1]) block-averaged by ``factor``, px of ``x``."""
    if factor > 1:
        h, w = (n - n % factor for n in x.shape)
        x = x[:h, :w].reshape(h // factor, factor, w // factor, factor).mean(axis=(1, 3))  # blobs keep diameter / factor
    diameters = np.geomspace(smallest, largest, n_scales) / factor
    diameters = diameters[(diameters >= 2.0) & (diameters <= 0.5 * min(x.shape))]
    if diameters.size == 0:
        return float("nan")
    sigmas = diameters / (2.0 * np.sqrt(2.0))
    stack = _normalised_log(x, sigmas, workers=workers)  # (S, h, w)
    scale_index = _peak_scales(stack, 0.5 * float(stack.max()))
    if scale_index.size == 0:
        return float("nan")
    return float(np.median(diameters[scale_index]) * factor)


def _threads() -> int:
    """Threads a numerical library may use here: ``OMP_NUM_THREADS`` where set, else the CPUs this process may use."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "")))
    except ValueError:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def rescale_sample(sample: Sample, scale: float) -> Sample:
    """``sample`` with its image (linear, anti-aliased when shrinking) and labels (nearest) resized by ``scale``.

    Parameters
    ----------
    sample : Sample
    scale : float
        Factor for both sides; 1 returns ``sample`` itself.

    Raises
    ------
    ValueError
        If ``scale`` is not a positive finite number.

    Examples
    --------
    >>> y = np.zeros((20, 30), np.int32); y[4:8, 4:8] = 1
    >>> half = rescale_sample(Sample("a", y.astype(np.float32), y, "uint8"), 0.5)
    >>> half.image.shape, half.labels.shape, int((half.labels == 1).sum())
    ((10, 15), (10, 15), 4)
    """
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"`scale` must be a positive number, got {scale!r}")
    if scale == 1.0:
        return sample
    shape = scaled_shape(sample.labels.shape, scale)
    image = resize(np.asarray(sample.image, np.float32), shape, order=1, preserve_range=True, anti_aliasing=scale < 1)
    labels = resize(sample.labels, shape, order=0, preserve_range=True, anti_aliasing=False)
    return replace(sample, image=image.astype(np.float32), labels=labels.astype(sample.labels.dtype))


def scaled_shape(shape: tuple[int, int], scale: float) -> tuple[int, int]:
    """``shape`` (H, W) times ``scale``, rounded, at least 1 px a side.

    >>> scaled_shape((10, 15), 0.5)
    (5, 8)
    """
    return max(int(round(shape[0] * scale)), 1), max(int(round(shape[1] * scale)), 1)
