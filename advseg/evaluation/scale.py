"""Scale: bring an image's nuclei to the size the model was trained on, segment, and return labels at the original size."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from skimage.transform import resize

from advseg.data.datasets import Sample
from advseg.data.diameter import estimate_diameter, median_diameter, rescale_sample, scaled_shape

__all__ = ["ScaleChoice", "choose_scale", "segment_at_scale", "to_diameter"]

TOLERANCE = 1.1  # within this factor of the model's diameter an image is used as it is
LIMITS = (0.1, 10.0)  # the most an image is shrunk or enlarged


@dataclass(frozen=True)
class ScaleChoice:
    """How one image was scaled before segmentation."""

    scale: float  # factor applied to the image (1.0: used as it is)
    image_diameter: float | None  # the image's nucleus diameter used, px (None: not measured)
    model_diameter: float | None  # the training annotations' median diameter, px (None: unknown)
    source: str  # "given", "estimated", "not rescaled" or why not
    capped: bool = False  # the factor the diameters ask for lies beyond LIMITS and was held at the limit

    def describe(self) -> str:
        """One line, e.g. ``diameter 31.0 px (estimated) -> x0.71 to the model's 22.0 px``."""
        if self.image_diameter is None or self.model_diameter is None:
            return self.source
        limit = f" (held at the limit; x{self.model_diameter / self.image_diameter:.3g} asked for)" if self.capped else ""
        return (f"diameter {self.image_diameter:.1f} px ({self.source}) -> x{self.scale:.2f}{limit} "
                f"to the model's {self.model_diameter:.1f} px")


def choose_scale(image: np.ndarray, *, model_diameter: float | None, diameter: float | str | None) -> ScaleChoice:
    """The factor that brings ``image``'s nuclei to ``model_diameter``.

    Parameters
    ----------
    image : (H, W) ndarray
    model_diameter : float or None
        Median nucleus diameter of the model's training annotations, px
        (``None`` for a model file that does not record it: no rescaling).
    diameter : float, "auto" or None
        The image's nucleus diameter in px, ``"auto"`` to estimate it from the
        image (:func:`advseg.data.diameter.estimate_diameter`), or ``None`` not to rescale.

    Returns
    -------
    ScaleChoice

    Raises
    ------
    ValueError
        If ``diameter`` is a number that is not positive, or a string other than ``"auto"``.

    Examples
    --------
    >>> choose_scale(np.zeros((8, 8)), model_diameter=20.0, diameter=40.0).scale
    0.5
    >>> choose_scale(np.zeros((8, 8)), model_diameter=None, diameter=40.0).source
    'not rescaled: the model file records no training diameter'
    """
    if isinstance(diameter, str) and diameter != "auto":
        raise ValueError(f"`diameter` must be a number of pixels, 'auto' or None, got {diameter!r}")
    if diameter is not None and not isinstance(diameter, str) and not (math.isfinite(diameter) and diameter > 0):
        raise ValueError(f"`diameter` must be a positive number of pixels, got {diameter!r}")
    if model_diameter is None:
        return ScaleChoice(1.0, None, None, "not rescaled: the model file records no training diameter")
    if diameter is None:
        return ScaleChoice(1.0, None, model_diameter, "not rescaled (no diameter asked for)")
    if diameter == "auto":
        measured, source = estimate_diameter(image), "estimated"
        if not math.isfinite(measured):
            return ScaleChoice(1.0, None, model_diameter, "not rescaled: no nucleus size found in the image")
    else:
        measured, source = float(diameter), "given"
    scale = float(np.clip(model_diameter / measured, *LIMITS))
    if 1 / TOLERANCE <= scale <= TOLERANCE:
        scale = 1.0
    return ScaleChoice(scale, measured, model_diameter, source, capped=scale in LIMITS)


def segment_at_scale(segment: Callable[[np.ndarray], np.ndarray], image: np.ndarray, scale: float) -> np.ndarray:
    """``segment`` the image rescaled by ``scale``; labels (H, W) come back at the image's own size.

    Examples
    --------
    >>> image = np.zeros((10, 12)); image[2:6, 2:6] = 1
    >>> labels = segment_at_scale(lambda x: (x > 0.5).astype(np.uint16), image, 2.0)
    >>> labels.shape, int(labels.sum())
    ((10, 12), 16)
    """
    if scale == 1.0:
        return segment(image)
    H, W = image.shape
    shape = scaled_shape((H, W), scale)
    scaled = resize(image.astype(np.float32), shape, order=1, preserve_range=True, anti_aliasing=scale < 1).astype(np.float32)
    labels = segment(scaled)
    return resize(labels, (H, W), order=0, preserve_range=True, anti_aliasing=False).astype(labels.dtype)


def to_diameter(samples: Sequence[Sample], diameter: float, *, annotated: bool, smallest_side: int = 1) -> tuple[list[Sample], list[float]]:
    """Each sample rescaled so that its nuclei are ``diameter`` px across (training at one nucleus size).

    Parameters
    ----------
    samples : sequence of Sample
    diameter : float
        Target median nucleus diameter, px.
    annotated : bool
        Measure each frame's nuclei from its labels (training frames), or
        estimate them from the image as ``advseg segment`` does (validation
        frames: the model is chosen as it will be used).
    smallest_side : int, optional
        No frame is shrunk below this side, px (the training crops' size).

    Returns
    -------
    samples : list of Sample
    scales : list of float
        The factor applied to each (1.0: used as it is).

    Examples
    --------
    >>> y = np.zeros((64, 64), np.int32); y[4:24, 4:24] = 1; y[30:50, 30:50] = 2
    >>> (small,), (scale,) = to_diameter([Sample("a", y.astype(np.float32), y, "uint8")], 11.28, annotated=True)
    >>> round(scale, 2), small.labels.shape
    (0.5, (32, 32))
    """
    rescaled, scales = [], []
    for sample in samples:
        measured = "auto"  # estimated from the image
        if annotated:
            measured = median_diameter([sample.labels]) if sample.labels.any() else diameter  # a frame of background only
        scale = choose_scale(sample.image, model_diameter=diameter, diameter=measured).scale
        scale = max(scale, smallest_side / min(sample.labels.shape))
        rescaled.append(rescale_sample(sample, scale))
        scales.append(round(scale, 4))
    return rescaled, scales
