"""Figures of a training run: losses, the discriminator's outputs, validation scores and segmentations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from advseg.data.targets import class_rgb

__all__ = ["plot_history", "plot_prediction", "plot_validation_snapshots"]


def _series(history: Sequence[dict[str, Any]], kind: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    rows = [(r["step_e"], r[key]) for r in history if r.get("kind") == kind and key in r]
    return (np.array([s for s, _ in rows]), np.array([v for _, v in rows])) if rows else (np.array([]), np.array([]))


def plot_history(history: Sequence[dict[str, Any]], *, title: str = "") -> plt.Figure:
    """Three panels over estimator steps: losses, D(manual) and D(estimated), validation scores.

    A cross-entropy run has no discriminator: its middle panel says so, and its
    total loss (equal to the cross-entropy) is drawn once.

    Parameters
    ----------
    history : sequence of dict
        The records of ``history.jsonl`` (``Trainer.history``).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.4), constrained_layout=True)
    total, ce = _series(history, "train", "loss_e")[1], _series(history, "train", "ce")[1]
    same = total.shape == ce.shape and np.allclose(total, ce)  # pure cross-entropy: one line, not two on top of each other
    for key, label in [("loss_d", "discriminator"), ("loss_e", "estimator (total)"), ("ce", "cross-entropy"), ("loss_adv", "estimator (adversarial)")]:
        steps, values = _series(history, "train", key)
        if steps.size and not (same and key == "loss_e"):
            axes[0].plot(steps, values, label=label)
    axes[0].set(xlabel="estimator step", ylabel="loss", title="losses", yscale="log")
    for key, label in [("d_manual", "D(manual)"), ("d_estimated", "D(estimated)")]:
        steps, values = _series(history, "train", key)
        if steps.size:
            axes[1].plot(steps, values, label=label)
    if not _series(history, "train", "d_manual")[0].size:
        axes[1].text(0.5, 0.5, "no discriminator\n(cross-entropy run)", transform=axes[1].transAxes, ha="center", va="center", color="0.4")
    axes[1].axhline(0.5, color="grey", linewidth=0.8, linestyle="--")
    axes[1].set(xlabel="estimator step", ylabel="mean probability 'manual'", title="the discriminator's outputs", ylim=(0, 1))
    for key, label in [("val_paper_f", "paper-protocol F"), ("val_f1", "F1 at IoU 0.5")]:
        steps, values = _series(history, "validation", key)
        if steps.size:
            axes[2].plot(steps, values, marker="o", label=label)
    axes[2].set(xlabel="estimator step", ylabel="score", title="validation", ylim=(0, 1))
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def plot_validation_snapshots(snapshots: Sequence[tuple[int, np.ndarray]], image: np.ndarray, *,
                              window: tuple[slice, slice] | None = None, max_panels: int = 5) -> plt.Figure:
    """The estimator's three-class output on one validation frame at successive validations.

    At most ``max_panels`` snapshots are drawn, evenly spaced, the last always among them.

    Parameters
    ----------
    snapshots : sequence of (step, (3, H, W) probabilities)
    image : (H, W) ndarray
        The frame, shown first.
    window : (slice, slice), optional
        Part of the frame to show.

    Returns
    -------
    matplotlib.figure.Figure
    """
    window = window or (slice(None), slice(None))
    if len(snapshots) > max_panels:
        keep = np.unique(np.linspace(0, len(snapshots) - 1, max_panels).round().astype(int))
        snapshots = [snapshots[k] for k in keep]
    n = len(snapshots) + 1
    fig, axes = plt.subplots(1, n, figsize=(min(10.0, 2.0 * n), 2.3), constrained_layout=True, squeeze=False)
    axes[0, 0].imshow(image[window], cmap="gray")
    axes[0, 0].set_title("validation frame")
    for ax, (step, probs) in zip(axes[0, 1:], snapshots):
        ax.imshow(class_rgb(probs[(slice(None), *window)]))
        ax.set_title(f"step {step}")
    for ax in axes[0]:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def plot_prediction(image: np.ndarray, labels: np.ndarray, probs: np.ndarray, *, window: tuple[slice, slice] | None = None, title: str = "") -> plt.Figure:
    """Image, manual three-class segmentation and the estimator's, side by side (paper colours).

    Parameters
    ----------
    image : (H, W) ndarray
    labels : (H, W) ndarray of int
        Manual instance labels.
    probs : (3, H, W) ndarray
        The estimator's probabilities.
    window : (slice, slice), optional
    title : str, optional
        Title of the image panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from advseg.data.targets import three_class_targets

    window = window or (slice(None), slice(None))
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.4), constrained_layout=True)
    axes[0].imshow(image[window], cmap="gray")
    axes[1].imshow(class_rgb(three_class_targets(labels)[window]))
    axes[2].imshow(class_rgb(probs[(slice(None), *window)]))
    for ax, name in zip(axes, [title or "image", "manual", "estimated"]):
        ax.set(title=name, xticks=[], yticks=[])
    return fig
