"""Is a mask really an instance-label image? Binary masks and intensity images told apart from labels.

An instance-label image gives each nucleus its own id, so each id covers one
connected region. Two common mistakes pass every dtype check and then score
or train as nonsense:

* a **binary mask** (0/1 or 0/255) has one id for all its nuclei, which
  would count as one nucleus per image;
* an **intensity image** given as labels has as many "ids" as grey values,
  scattered over the image in thousands of fragments.

:func:`label_problem` detects both; :func:`read_instance_labels` refuses
such a mask, or, with ``binary_masks=True``, gives each connected region
of equal value an id of its own (:func:`label_regions`), which turns a binary
mask into instance labels and leaves proper instance labels as they are.
"""

from __future__ import annotations

import os

import numpy as np
from skimage.measure import label as skimage_label

from advseg.data.io import read_labels

__all__ = ["MIN_PIXELS_PER_ID", "label_problem", "label_regions", "read_instance_labels"]

MIN_PIXELS_PER_ID = 16  # more than one id per 4 x 4 pixels on average: not nuclei, grey values


def label_regions(labels: np.ndarray) -> np.ndarray:
    """Give each 8-connected region of equal non-zero value its own id.

    Parameters
    ----------
    labels : (H, W) ndarray of int
        Instance labels or a binary mask.

    Returns
    -------
    (H, W) ndarray of int32
        Consecutive ids from 1; touching regions of different ids stay apart.

    Examples
    --------
    >>> mask = np.array([[255, 0, 255], [0, 0, 0], [255, 255, 0]])
    >>> label_regions(mask).tolist()
    [[1, 0, 2], [0, 0, 0], [3, 3, 0]]
    """
    return skimage_label(np.asarray(labels), background=0, connectivity=2).astype(np.int32)


def label_problem(labels: np.ndarray) -> str | None:
    """Why ``labels`` is not an instance-label image, or None when it looks like one.

    Parameters
    ----------
    labels : (H, W) ndarray of int

    Returns
    -------
    str or None
        A sentence that says what was found and how to convert it.

    Examples
    --------
    >>> mask = np.zeros((8, 8), np.uint8); mask[1:3, 1:3] = mask[5:7, 5:7] = 255
    >>> label_problem(mask)
    'its one id (255) covers 2 separate regions, so it would count as 1 nucleus: it looks like a binary mask'
    >>> mask[5:7, 5:7] = 2
    >>> label_problem(mask) is None
    True
    """
    labels = np.asarray(labels)
    H, W = labels.shape
    ids = np.unique(labels)
    ids = ids[ids != 0]
    if len(ids) == 0:
        return None
    if len(ids) * MIN_PIXELS_PER_ID > H * W:
        return (f"it holds {len(ids)} ids in {H} x {W} pixels (fewer than {MIN_PIXELS_PER_ID} pixels per id): "
                "it looks like an intensity image, not instance labels")
    regions = label_regions(labels)
    # the id of each region; ids covering several regions appear several times
    region_ids = np.zeros(int(regions.max()) + 1, labels.dtype)
    region_ids[regions.ravel()] = labels.ravel()
    counts = np.bincount(np.searchsorted(ids, region_ids[1:]), minlength=len(ids))
    split = int(np.count_nonzero(counts > 1))
    if len(ids) == 1 and split:
        return (f"its one id ({ids[0]}) covers {counts[0]} separate regions, so it would count as 1 nucleus: "
                "it looks like a binary mask")
    if split * 2 > len(ids):
        return (f"{split} of its {len(ids)} ids cover several separate regions ({int(counts.sum())} in all): "
                "it looks like an intensity or class image, not instance labels")
    return None


def read_instance_labels(path: str | os.PathLike, *, binary_masks: bool = False) -> np.ndarray:
    """Read an instance-label image and refuse one that is not (see :func:`label_problem`).

    Parameters
    ----------
    path : path-like
        A TIFF or PNG label image (0 = background, one id per nucleus).
    binary_masks : bool, optional
        Label the connected regions of each mask instead (a binary mask becomes
        one id per region; proper instance labels keep their nuclei).

    Returns
    -------
    (H, W) ndarray of int32

    Raises
    ------
    ValueError
        Naming the file, when it is not a label image (see
        :func:`advseg.data.io.read_labels`) or looks like a binary mask or an
        intensity image and ``binary_masks`` is false.
    """
    labels = read_labels(path)
    if binary_masks:
        return label_regions(labels)
    problem = label_problem(labels)
    if problem is not None:
        if problem.endswith("binary mask"):
            hint = ("label its connected regions with --binary-masks (binary_masks=True), or save one id per nucleus, "
                    "e.g. skimage.measure.label(mask)")
        else:
            hint = "give the label images (one id per nucleus, 0 for background), not the microscopy images"
        raise ValueError(f"{path}: not an instance-label image: {problem}; {hint}")
    return labels
