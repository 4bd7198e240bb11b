"""From three-class probabilities to instance labels.

``paper``
    What the original code did: interior probability >= 0.5, holes filled,
    4-connected components, components under 50 px dropped. Contour pixels
    are simply excluded, so each nucleus comes out one contour-width smaller
    than drawn.
``watershed``
    Seeds are the ``paper`` components; each grows back over the contour
    pixels around it (watershed on the background probability, restricted to
    interior + contour), so nuclei recover their full extent and touching
    nuclei meet along the contour line.
``watershed-split``
    As ``watershed``, but an interior component is first cut where its shape
    says it holds several nuclei: at the regional maxima of its distance to
    the background (smoothed) that rise :data:`SPLIT_DEPTH` of a nucleus
    diameter above their surroundings: 2 px for nuclei 20 px across, the size
    ``advseg segment`` brings images to for the shipped model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from scipy import ndimage as ndi
from skimage.morphology import reconstruction
from skimage.segmentation import watershed as skimage_watershed

from advseg.data.targets import BACKGROUND, CONTOUR, INTERIOR

__all__ = ["MIN_AREA_FRACTION", "PAPER_MIN_SIZE", "POSTPROCESSORS", "SPLIT_DEPTH", "SPLIT_DIAMETER", "SPLIT_SMOOTHING",
           "check_min_size", "label_dtype", "min_size_for", "postprocess", "smallest_nucleus"]

SPLIT_DEPTH = 0.1  # of the nucleus diameter: how far a distance maximum must rise above its saddle to seed a nucleus
SPLIT_SMOOTHING = 0.05  # of the diameter: Gaussian sigma on the distance map first (raw distances have plateaus)
SPLIT_DIAMETER = 20.0  # px: the nucleus diameter assumed where the caller gives none

_FOUR_CONNECTED = ndi.generate_binary_structure(2, 1)


def _check_probs(probs: np.ndarray) -> np.ndarray:
    probs = np.asarray(probs)
    if probs.ndim != 3 or probs.shape[0] != 3:
        raise ValueError(f"`probs` must have shape (3, H, W) (background, interior, contour), got {probs.shape}")
    return probs


def _remove_small(labels: np.ndarray, min_size: int) -> np.ndarray:
    sizes = np.bincount(labels.ravel())
    small = sizes < min_size
    small[0] = False
    labels = labels.copy()
    labels[small[labels]] = 0
    return labels


def label_dtype(n_labels: int) -> np.dtype:
    """uint16 (what Fiji and napari expect) for up to 65,535 nuclei, uint32 beyond: an id is never reused.

    Examples
    --------
    >>> label_dtype(65_535).name, label_dtype(65_536).name
    ('uint16', 'uint32')
    """
    return np.dtype(np.uint16) if n_labels <= np.iinfo(np.uint16).max else np.dtype(np.uint32)


def _relabel(labels: np.ndarray) -> np.ndarray:
    ids = np.unique(labels)
    ids = ids[ids > 0]
    dtype = label_dtype(len(ids))
    lookup = np.zeros(int(labels.max()) + 1 if labels.size else 1, dtype)
    lookup[ids] = np.arange(1, len(ids) + 1, dtype=dtype)
    return lookup[labels]


def paper_instances(probs: np.ndarray, *, min_size: int = 50, diameter: float | None = None) -> np.ndarray:
    """Interior probability >= 0.5, fill holes, 4-connected components, drop small ones.

    Parameters
    ----------
    probs : (3, H, W) ndarray of float
        Background, interior and contour probabilities.
    min_size : int, optional
        Components smaller than this (px) are removed.
    diameter : float, optional
        Unused (every post-processing takes it; see ``watershed-split``).

    Returns
    -------
    (H, W) ndarray of uint16 (uint32 above 65,535 nuclei)
        Consecutive instance labels.
    """
    probs = _check_probs(probs)
    foreground = ndi.binary_fill_holes(probs[INTERIOR] >= 0.5)
    labels, _ = ndi.label(foreground, structure=_FOUR_CONNECTED)
    return _relabel(_remove_small(labels, min_size))


def watershed_instances(probs: np.ndarray, *, min_size: int = 50, diameter: float | None = None) -> np.ndarray:
    """Grow the ``paper`` components back over their contour pixels.

    Parameters
    ----------
    probs : (3, H, W) ndarray of float
    min_size : int, optional
        Seeds smaller than this (px) are removed first.
    diameter : float, optional
        Unused (every post-processing takes it; see ``watershed-split``).

    Returns
    -------
    (H, W) ndarray of uint16 (uint32 above 65,535 nuclei)
    """
    probs = _check_probs(probs)
    return _grow(probs, paper_instances(probs, min_size=min_size))


def _grow(probs: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Grow ``seeds`` over the pixels not called background, by watershed on the background probability."""
    nucleus = ndi.binary_fill_holes(probs[BACKGROUND] < 0.5) | (seeds > 0)
    grown = skimage_watershed(probs[BACKGROUND], markers=seeds.astype(np.int32), mask=nucleus)
    return grown.astype(seeds.dtype)  # every region keeps its seed's id


def _domes(height: np.ndarray, depth: float, mask: np.ndarray) -> tuple[np.ndarray, int]:
    """Label the tops of ``height`` inside ``mask`` that rise at least ``depth`` above every path to a higher top.

    The tops are the 4-connected regions of ``mask`` where ``height`` exceeds
    its reconstruction from ``height - depth``; those whose excess reaches
    ``depth`` are kept. Unlike the pixels of skimage's ``h_maxima``, two equal
    peaks joined by a saddle less than ``depth`` below them make one top.
    """
    excess = height - reconstruction(height - depth, height, method="dilation")
    tops, n = ndi.label((excess > 0) & mask, structure=_FOUR_CONNECTED)
    highest = np.zeros(n + 1)
    np.maximum.at(highest, tops.ravel(), excess.ravel())  # each top's greatest excess (no sorting, unlike ndi.maximum)
    tall = highest >= depth * (1 - 1e-6)
    tall[0] = False
    kept, n_kept = ndi.label(tall[tops], structure=_FOUR_CONNECTED)
    return kept, n_kept


def split_watershed_instances(probs: np.ndarray, *, min_size: int = 50, diameter: float | None = None,
                              depth: float = SPLIT_DEPTH, barrier: float | None = None) -> np.ndarray:
    """``watershed``, with interior components first cut at the maxima of their distance to the background.

    A component without such a maximum (thinner than about a fifth of a
    diameter) is kept whole, as ``watershed`` would.

    Parameters
    ----------
    probs : (3, H, W) ndarray of float
    min_size : int, optional
        Seeds smaller than this (px) are removed after cutting.
    diameter : float, optional
        The nuclei's typical diameter, px (:data:`SPLIT_DIAMETER` when None): the depth of
        a maximum that seeds a nucleus and the smoothing scale with it.
    depth : float, optional
        How far a maximum must rise above its saddle to seed a nucleus, as a fraction of ``diameter``.
    barrier : float, optional
        With a value, interior pixels whose contour probability reaches it count as edge for
        the distance (a contour the network half sees between touching nuclei), though they
        stay in the component that is cut.

    Returns
    -------
    (H, W) ndarray of uint16 (uint32 above 65,535 nuclei)

    Examples
    --------
    >>> yy, xx = np.mgrid[:40, :60]
    >>> two = ((yy - 20) ** 2 + (xx - 20) ** 2 < 100) | ((yy - 20) ** 2 + (xx - 37) ** 2 < 100)  # touching disks
    >>> probs = np.stack([~two, two, np.zeros_like(two)]).astype(float)
    >>> int(watershed_instances(probs, min_size=1).max()), int(split_watershed_instances(probs, min_size=1).max())
    (1, 2)
    """
    probs = _check_probs(probs)
    interior = ndi.binary_fill_holes(probs[INTERIOR] >= 0.5)
    diameter = SPLIT_DIAMETER if diameter is None else _check_diameter(diameter)
    core = interior if barrier is None else interior & (probs[CONTOUR] < barrier)
    distance = ndi.gaussian_filter(ndi.distance_transform_edt(core), SPLIT_SMOOTHING * diameter)
    components, n = ndi.label(interior, structure=_FOUR_CONNECTED)
    seeds = _cut(distance, components, n, depth * diameter)
    return _grow(probs, _relabel(_remove_small(seeds, min_size)))


def _cut(height: np.ndarray, components: np.ndarray, n: int, depth: float) -> np.ndarray:
    """``components`` (n labels) with each one cut at its tops of ``height`` (:func:`_domes`) where it has two or more.

    Each component is worked on in its own bounding box, with ``height`` 0
    outside it, so the sorting inside the reconstruction stays small; a
    component lower than ``depth`` cannot hold two tops and is left whole.
    """
    seeds = components.copy()
    next_id = n + 1
    for k, box in enumerate(ndi.find_objects(components), 1):
        if box is None:
            continue
        own = components[box] == k
        local = np.where(own, height[box], 0.0)
        if local.max() < depth:
            continue
        tops, n_tops = _domes(local, depth, own)
        if n_tops > 1:
            pieces = skimage_watershed(-local, tops, mask=own)
            seeds[box][own] = pieces[own] + (next_id - 1)
            next_id += n_tops
    return seeds


# name -> function(probs (3, H, W), *, min_size, diameter) -> (H, W) uint16 (or uint32) labels
POSTPROCESSORS: dict[str, Callable[..., np.ndarray]] = {
    "paper": paper_instances,
    "watershed": watershed_instances,
    "watershed-split": split_watershed_instances,
    "watershed-fit": split_watershed_instances,  # with the depth and barrier fitted on validation frames (split_fit)
}


PAPER_MIN_SIZE = 50  # px: the original code's smallest nucleus, whatever the nuclei's size
MIN_AREA_FRACTION = 0.1  # relative minimum: a tenth of the median training nucleus's area


def check_min_size(min_size: Any, *, none_means: str | None = None) -> int | None:
    """``min_size`` if it is a positive whole number of pixels (or None where ``none_means`` says what None does).

    Raises
    ------
    ValueError
        One line naming ``min_size``, what it may be and what arrived.

    Examples
    --------
    >>> check_min_size(20), check_min_size(None, none_means="relative")
    (20, None)
    """
    if min_size is None and none_means is not None:
        return None
    if isinstance(min_size, bool) or not isinstance(min_size, (int, np.integer)) or min_size < 1:
        alternative = f" or None ({none_means})" if none_means is not None else ""
        raise ValueError(f"`min_size` must be a positive number of pixels{alternative}, got {min_size!r}")
    return int(min_size)


def _check_diameter(diameter: Any) -> float:
    if isinstance(diameter, bool) or not isinstance(diameter, (int, float, np.number)) or not 0 < diameter < float("inf"):
        raise ValueError(f"`diameter` must be a positive number of pixels, got {diameter!r}")
    return float(diameter)


def min_size_for(diameter: float) -> int:
    """The smallest nucleus kept (px) for nuclei of median ``diameter``: a tenth of their area, from 4 to 50 px.

    Never more than the original code's 50 px: scored at the images' own scale, a model trained
    on large nuclei would otherwise drop the small nuclei of other images (one DSB2018 run with
    a 124-px minimum recalled 44 % of the test nuclei).

    Examples
    --------
    >>> min_size_for(16.0), min_size_for(40.0), min_size_for(3.0)
    (20, 50, 4)
    """
    diameter = _check_diameter(diameter)
    return min(PAPER_MIN_SIZE, max(4, int(round(MIN_AREA_FRACTION * np.pi * diameter**2 / 4))))


def smallest_nucleus(min_size: int | None, diameter: float | None) -> int:
    """``min_size`` when given, else :func:`min_size_for` the nuclei's median ``diameter``, else the paper's 50 px.

    Examples
    --------
    >>> smallest_nucleus(30, 16.0), smallest_nucleus(None, 16.0), smallest_nucleus(None, None)
    (30, 20, 50)
    """
    if min_size is not None:
        return min_size
    return min_size_for(diameter) if diameter else PAPER_MIN_SIZE


def postprocess(probs: np.ndarray, *, method: str = "paper", min_size: int = PAPER_MIN_SIZE,
                diameter: float | None = None, split: Mapping[str, Any] | None = None) -> np.ndarray:
    """Turn three-class probabilities into instance labels with the method named ``method``.

    Parameters
    ----------
    probs : (3, H, W) ndarray of float
        Background, interior and contour probabilities (they sum to 1).
    method : {"paper", "watershed", "watershed-split", "watershed-fit"}
        ``watershed-fit`` is ``watershed-split`` with the ``depth`` and ``barrier`` of ``split``.
    min_size : int, optional
    diameter : float, optional
        Typical nucleus diameter in ``probs``, px (``watershed-split`` scales its cuts with it).
    split : mapping, optional
        ``watershed-fit``'s cut (:func:`advseg.evaluation.split_fit.fit_split`; a model file
        records it); without it, ``watershed-fit`` cuts as ``watershed-split``.

    Returns
    -------
    (H, W) ndarray of uint16 (uint32 above 65,535 nuclei, so no id is ever reused)

    Examples
    --------
    >>> probs = np.zeros((3, 12, 12)); probs[0] = 1
    >>> probs[:, 2:10, 2:10] = np.array([0, 0, 1.0])[:, None, None]   # contour ring
    >>> probs[:, 3:9, 3:9] = np.array([0, 1.0, 0])[:, None, None]     # interior
    >>> int(postprocess(probs, method="paper", min_size=1).astype(bool).sum())
    36
    >>> int(postprocess(probs, method="watershed", min_size=1).astype(bool).sum())
    64
    """
    if method not in POSTPROCESSORS:
        raise ValueError(f"`method` must be one of {sorted(POSTPROCESSORS)}, got {method!r}")
    if method == "watershed-fit" and split:
        return split_watershed_instances(probs, min_size=check_min_size(min_size), diameter=diameter,
                                         depth=float(split["depth"]), barrier=split.get("barrier"))
    return POSTPROCESSORS[method](probs, min_size=check_min_size(min_size), diameter=diameter)
