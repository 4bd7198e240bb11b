"""Figure helpers: images to look at, returned as arrays or drawn on given axes."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from advseg.data.datasets import Sample
from advseg.data.targets import class_rgb, three_class_targets

__all__ = ["plot_protocol", "plot_sample", "render_labels", "set_style", "show_crops"]


def set_style() -> None:
    """The book's figure style: readable sizes, no top/right spines."""
    plt.rcParams.update(
        {
            "figure.figsize": (9.0, 4.0),
            "figure.dpi": 100,
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "image.interpolation": "nearest",
        }
    )


def render_labels(labels: np.ndarray, *, seed: int = 0, alpha: float = 1.0) -> np.ndarray:
    """Colour each instance randomly; background is transparent.

    Parameters
    ----------
    labels : (H, W) ndarray of int
    seed : int, optional
        Seed of the colours.
    alpha : float, optional
        Opacity of the nuclei.

    Returns
    -------
    (H, W, 4) ndarray of float
        RGBA in [0, 1].

    Examples
    --------
    >>> rgba = render_labels(np.array([[0, 1], [2, 2]]))
    >>> rgba.shape, float(rgba[0, 0, 3]), bool(np.all(rgba[1, 0] == rgba[1, 1]))
    ((2, 2, 4), 0.0, True)
    """
    labels = np.asarray(labels)
    ids, inverse = np.unique(labels, return_inverse=True)
    colours = np.random.default_rng(seed).uniform(0.2, 1.0, (len(ids), 4))
    colours[:, 3] = alpha
    colours[ids == 0] = 0.0
    return colours[inverse.reshape(labels.shape)]


def plot_sample(
    sample: Sample,
    *,
    window: tuple[slice, slice] | None = None,
    axes: Sequence[plt.Axes] | None = None,
) -> Sequence[plt.Axes]:
    """Show an image, its instance labels and its three-class target side by side.

    Parameters
    ----------
    sample : Sample
    window : (slice, slice), optional
        Show only this part of the frame.
    axes : sequence of 3 Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    sequence of 3 Axes
    """
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(10, 3.4), constrained_layout=True)
    window = window or (slice(None), slice(None))
    image, labels = sample.image[window], sample.labels[window]
    axes[0].imshow(image, cmap="gray")
    name = sample.name if len(sample.name) <= 16 else sample.name[:12] + "…"
    axes[0].set_title(f"{name} ({sample.dtype})")
    axes[1].imshow(image, cmap="gray")
    axes[1].imshow(render_labels(labels, alpha=0.6))
    axes[1].set_title(f"instance labels ({len(np.unique(labels)) - 1} nuclei)")
    axes[2].imshow(class_rgb(three_class_targets(labels)))
    axes[2].set_title("three classes: background / interior / contour")
    for ax in axes:
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")
    return axes


def show_crops(images: np.ndarray, targets: np.ndarray, *, n: int = 6) -> plt.Figure:
    """Training crops (top row) above their three-class targets (bottom row).

    Parameters
    ----------
    images : (B, 1, S, S) ndarray
    targets : (B, S, S) ndarray of int
    n : int, optional
        How many crops to show.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n = min(n, len(images))
    fig, axes = plt.subplots(2, n, figsize=(1.9 * n, 4.0), constrained_layout=True, squeeze=False)
    for k in range(n):
        axes[0, k].imshow(images[k, 0], cmap="gray")
        axes[1, k].imshow(class_rgb(targets[k]))
        axes[0, k].set_title(f"crop {k}")
        for ax in axes[:, k]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("image")
    axes[1, 0].set_ylabel("target")
    return fig


def plot_protocol(protocol, *, n_train: int, ax: plt.Axes | None = None) -> plt.Axes:
    """A strip over the frames: evaluation, validation, training pool and the N_train training frames.

    Parameters
    ----------
    protocol : PaperProtocol
    n_train : int
        How many of the training pool to highlight.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 1.6))
    roles = np.zeros(protocol.n_frames)
    roles[list(protocol.validation)] = 1
    roles[list(protocol.train_pool)] = 2
    roles[list(protocol.train_frames(n_train))] = 3
    cmap = plt.get_cmap("viridis").resampled(4)
    ax.imshow(roles[None], cmap=cmap, aspect="auto", vmin=-0.5, vmax=3.5)
    names = ["evaluation", "validation", "training pool", f"the {n_train} training frame{'s' if n_train > 1 else ''}"]
    handles = [plt.Rectangle((0, 0), 1, 1, color=cmap(k)) for k in range(4)]
    ax.legend(handles, names, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.02), frameon=False, fontsize=9)
    ax.set(yticks=[], xlabel="frame")
    return ax
