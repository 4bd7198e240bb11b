"""Three-class targets (background / interior / contour) and the paper's RGB encoding."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

__all__ = ["BACKGROUND", "CONTOUR", "INTERIOR", "CLASS_NAMES", "class_rgb", "crowded_window", "three_class_targets", "touching_pairs"]

BACKGROUND, INTERIOR, CONTOUR = 0, 1, 2  # class indices, as the original code used them
CLASS_NAMES = ("background", "interior", "contour")

# The paper's encoding: red background, green nucleus, blue contour.
_PALETTE = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]], np.uint8)


def three_class_targets(labels: np.ndarray, *, edge_is_contour: bool = False) -> np.ndarray:
    """Turn instance labels into background (0) / interior (1) / contour (2).

    The contour of a nucleus is its 1-px inner boundary: the pixels that a
    3x3 erosion of that nucleus alone removes. A pixel is therefore contour
    when any of its 8 neighbours carries another label (background or another
    nucleus), so two touching nuclei get a contour on both sides of the line
    where they meet.

    Parameters
    ----------
    labels : (H, W) ndarray of int
        Instance labels, 0 = background.
    edge_is_contour : bool, optional
        Treat the outside of the image as background, so nuclei cut by the
        image edge get a contour along it. By default a nucleus is taken to
        continue past the edge (the erosion replicates the border).

    Returns
    -------
    (H, W) ndarray of uint8
        Class per pixel.

    Raises
    ------
    ValueError
        If ``labels`` is not a 2-D integer array.

    Examples
    --------
    Two touching 4x3 nuclei: each keeps a 2x1 interior, and the line where
    they meet is contour on both sides.

    >>> labels = np.zeros((6, 8), int)
    >>> labels[1:5, 1:4] = 1
    >>> labels[1:5, 4:7] = 2
    >>> three_class_targets(labels)
    array([[0, 0, 0, 0, 0, 0, 0, 0],
           [0, 2, 2, 2, 2, 2, 2, 0],
           [0, 2, 1, 2, 2, 1, 2, 0],
           [0, 2, 1, 2, 2, 1, 2, 0],
           [0, 2, 2, 2, 2, 2, 2, 0],
           [0, 0, 0, 0, 0, 0, 0, 0]], dtype=uint8)
    """
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.dtype.kind not in "iub":
        raise ValueError(f"`labels` must be a 2-D integer array, got shape {labels.shape} and dtype {labels.dtype}")
    H, W = labels.shape
    padded = np.pad(labels, 1, mode="constant" if edge_is_contour else "edge")  # (H+2, W+2)
    differs = np.zeros((H, W), bool)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            if dy == 1 and dx == 1:
                continue
            differs |= padded[dy : dy + H, dx : dx + W] != labels
    classes = np.zeros((H, W), np.uint8)
    foreground = labels > 0
    classes[foreground] = INTERIOR
    classes[foreground & differs] = CONTOUR
    return classes


def class_rgb(segmentation: np.ndarray) -> np.ndarray:
    """Encode a segmentation in the paper's colours (red background, green nucleus, blue contour).

    Parameters
    ----------
    segmentation : (H, W) ndarray of int, or (3, H, W) / (H, W, 3) ndarray of float
        Class indices, or per-class probabilities (channels in class order),
        which blend the colours.

    Returns
    -------
    (H, W, 3) ndarray of uint8

    Raises
    ------
    ValueError
        If the shape is neither, or a class index is not 0, 1 or 2.

    Examples
    --------
    >>> class_rgb(np.array([[0, 1, 2]]))[0].tolist()
    [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
    """
    segmentation = np.asarray(segmentation)
    if segmentation.ndim == 2 and segmentation.dtype.kind in "iub":
        if segmentation.size and (segmentation.min() < 0 or segmentation.max() > 2):
            raise ValueError(f"`segmentation` class indices must be 0, 1 or 2, got values in [{segmentation.min()}, {segmentation.max()}]")
        return _PALETTE[segmentation]
    if segmentation.ndim == 3 and 3 in (segmentation.shape[0], segmentation.shape[-1]):
        probs = segmentation if segmentation.shape[-1] == 3 else np.moveaxis(segmentation, 0, -1)  # (H, W, 3)
        return np.clip(np.rint(probs.astype(np.float64) @ _PALETTE.astype(np.float64)), 0, 255).astype(np.uint8)
    raise ValueError(f"`segmentation` must be (H, W) class indices or (3, H, W)/(H, W, 3) probabilities, got shape {segmentation.shape}")


def touching_pairs(labels: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of distinct nuclei that touch (8-connected neighbours).

    These are the pairs the contour class has to separate.

    Parameters
    ----------
    labels : (H, W) ndarray of int

    Returns
    -------
    set of (int, int)
        Label pairs ``(a, b)`` with ``a < b``.

    Examples
    --------
    >>> sorted(touching_pairs(np.array([[1, 2, 0, 3], [1, 2, 0, 0], [0, 0, 4, 0]])))
    [(1, 2), (2, 4)]
    """
    labels = np.asarray(labels)
    pairs: set[tuple[int, int]] = set()
    # each pixel against its right, lower, lower-right and lower-left neighbour
    shifts = (
        (np.s_[:, :-1], np.s_[:, 1:]),
        (np.s_[:-1, :], np.s_[1:, :]),
        (np.s_[:-1, :-1], np.s_[1:, 1:]),
        (np.s_[:-1, 1:], np.s_[1:, :-1]),
    )
    for here, there in shifts:
        a, b = labels[here], labels[there]
        keep = (a > 0) & (b > 0) & (a != b)
        pairs.update(zip(np.minimum(a[keep], b[keep]).tolist(), np.maximum(a[keep], b[keep]).tolist()))
    return pairs


def crowded_window(labels: np.ndarray, *, shape: tuple[int, int] = (96, 128)) -> tuple[slice, slice]:
    """The ``shape`` window of ``labels`` that holds the most nuclei touching another (by their centres).

    Parameters
    ----------
    labels : (H, W) ndarray of int
    shape : (int, int), optional
        Window height and width, px (clipped to the image).

    Returns
    -------
    (slice, slice)
        Rows and columns of the window, centred on the touching nuclei it holds.

    Examples
    --------
    >>> y = np.zeros((20, 20), int); y[12:14, 12:14] = 1; y[12:14, 14:16] = 2; y[2, 2] = 3
    >>> crowded_window(y, shape=(6, 6))
    (slice(9, 15, None), slice(10, 16, None))
    """
    labels = np.asarray(labels)
    height, width = min(shape[0], labels.shape[0]), min(shape[1], labels.shape[1])
    touching = sorted({n for pair in touching_pairs(labels) for n in pair})
    centres = np.zeros(labels.shape, np.int64)  # (H, W): 1 at each touching nucleus's centre
    for y, x in ndi.center_of_mass(np.ones(labels.shape), labels, touching):
        centres[int(round(y)), int(round(x))] += 1
    total = np.pad(centres.cumsum(0).cumsum(1), ((1, 0), (1, 0)))  # summed-area table, (H + 1, W + 1)
    counts = (total[height:, width:] - total[:-height, width:] - total[height:, :-width] + total[:-height, :-width])
    top, left = np.unravel_index(np.argmax(counts), counts.shape)  # the first of the best windows
    ys, xs = np.nonzero(centres[top:top + height, left:left + width])
    if ys.size:  # centre the window on the crowd it holds
        top = int(np.clip(top + round(ys.mean()) - height // 2, 0, labels.shape[0] - height))
        left = int(np.clip(left + round(xs.mean()) - width // 2, 0, labels.shape[1] - width))
    return slice(int(top), int(top) + height), slice(int(left), int(left) + width)
