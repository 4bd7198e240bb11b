"""Figures of the synthetic movie: one look per generative choice (crowds, brightness, mitosis, focus, light, debris)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter, ScalarFormatter
from skimage.segmentation import find_boundaries

from advseg.data.difficulty import background_level

__all__ = ["crop_around", "outline", "plot_background_drift", "plot_brightness", "plot_crops"]


def crop_around(shape: tuple[int, int], centre: tuple[float, float], *, size: int = 48) -> tuple[slice, slice]:
    """The ``size`` x ``size`` window of an image of ``shape`` centred on ``centre`` (y, x), moved inside the image.

    Examples
    --------
    >>> crop_around((100, 120), (2.0, 118.0), size=20)
    (slice(0, 20, None), slice(100, 120, None))
    """
    rows, cols = [max(0, min(int(round(c)) - size // 2, n - size)) for c, n in zip(centre, shape)]
    return slice(rows, rows + min(size, shape[0])), slice(cols, cols + min(size, shape[1]))


def outline(image: np.ndarray, labels: np.ndarray, *, low: float, high: float) -> np.ndarray:
    """Grey image with the label boundaries in red: (H, W, 3) float RGB in [0, 1].

    Examples
    --------
    >>> y = np.zeros((6, 6), int); y[1:4, 1:4] = 1
    >>> rgb = outline(np.ones((6, 6)), y, low=0.0, high=2.0)
    >>> rgb.shape, rgb[1, 1].tolist(), rgb[2, 2].tolist()
    ((6, 6, 3), [1.0, 0.0, 0.0], [0.5, 0.5, 0.5])
    """
    grey = np.clip((np.asarray(image, np.float32) - low) / max(high - low, 1e-6), 0, 1)
    rgb = np.repeat(grey[..., None], 3, axis=-1).astype(np.float64)
    rgb[find_boundaries(labels, mode="inner")] = (1.0, 0.0, 0.0)
    return rgb


def plot_crops(images: Sequence[np.ndarray], labels: Sequence[np.ndarray], windows: Sequence[tuple[slice, slice]],
               titles: Sequence[str], *, contours: bool = True, scale: str = "shared", width: float = 2.3) -> plt.Figure:
    """A row of crops, each with its label boundaries (red) unless ``contours`` is false.

    Parameters
    ----------
    images, labels : sequences of (H, W) ndarrays
    windows : sequence of (slice, slice)
    titles : sequence of str
    contours : bool, optional
    scale : {"shared", "each"}, optional
        One display range for all crops (compare brightness) or one per crop.
    width : float, optional
        Width of each crop, inches.

    Returns
    -------
    Figure
    """
    crops = [np.asarray(image, np.float32)[w] for image, w in zip(images, windows)]
    shared = np.percentile(np.concatenate([c.ravel() for c in crops]), [0.5, 99.8])
    aspect = crops[0].shape[0] / max(crops[0].shape[1], 1)
    fig, axes = plt.subplots(1, len(crops), figsize=(width * len(crops), width * aspect + 0.35), constrained_layout=True, squeeze=False)
    for ax, crop, y, w, title in zip(axes[0], crops, labels, windows, titles):
        low, high = shared if scale == "shared" else np.percentile(crop, [0.5, 99.8])
        shown = outline(crop, np.asarray(y)[w], low=low, high=high) if contours else np.clip((crop - low) / (high - low), 0, 1)
        ax.imshow(shown, cmap=None if contours else "gray")
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    return fig


def plot_brightness(snrs: Mapping[str, np.ndarray], *, ax: plt.Axes | None = None) -> plt.Axes:
    """Histograms of the nuclei's contrast over the background noise (log axis), one per movie."""
    ax = ax or plt.subplots(figsize=(7, 3.2))[1]
    values = np.concatenate([v[v > 0] for v in snrs.values()])
    bins = np.geomspace(max(values.min(), 0.3), values.max(), 60)
    for name, snr in snrs.items():
        ax.hist(snr[snr > 0], bins=bins, alpha=0.55, label=f"{name} (median {np.median(snr):.1f})")
    ax.set_xscale("log")
    ax.set_xticks([t for t in (0.5, 1, 2, 5, 10, 20, 50, 100, 200) if bins[0] <= t <= bins[-1]])
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set(xlabel="nucleus contrast / background noise sd (per nucleus)", ylabel="nuclei")
    ax.legend(frameon=False)
    return ax


def plot_background_drift(images: Sequence[np.ndarray], labels: Sequence[np.ndarray], frames: Sequence[int]) -> plt.Figure:
    """The smooth background of two frames and their difference, in counts."""
    first, last = (background_level(images[t], labels[t]) for t in frames)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.0), constrained_layout=True)
    low, high = min(first.min(), last.min()), max(first.max(), last.max())
    for ax, level, title in zip(axes[:2], (first, last), (f"background, frame {frames[0]}", f"background, frame {frames[1]}")):
        shown = ax.imshow(level, cmap="magma", vmin=low, vmax=high)
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    fig.colorbar(shown, ax=axes[:2], shrink=0.8, label="counts")
    change = last - first
    bound = float(np.abs(change).max())
    shown = axes[2].imshow(change, cmap="RdBu_r", vmin=-bound, vmax=bound)
    axes[2].set_title("change", fontsize=10)
    axes[2].set_axis_off()
    fig.colorbar(shown, ax=axes[2], shrink=0.8, label="counts")
    return fig
