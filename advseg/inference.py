"""Whole-frame inference: three-class probabilities for images of any size."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from advseg.augment import normalize
from advseg.config import DataConfig

__all__ = ["predict_probs"]


def _padding(estimator: nn.Module, height: int, width: int) -> tuple[int, int, int, int]:
    """(left, right, top, bottom) reflection padding so the output matches the input."""
    shrink = int(getattr(estimator, "shrink", 0))
    before, after = shrink // 2, shrink - shrink // 2
    multiple = int(getattr(estimator, "multiple", 1))
    extra_h = (-(height + shrink)) % multiple
    extra_w = (-(width + shrink)) % multiple
    return before, after + extra_w, before, after + extra_h


@torch.no_grad()
def predict_probs(
    estimator: nn.Module,
    image: np.ndarray,
    *,
    data_config: DataConfig | None = None,
    device: torch.device | str = "cpu",
) -> np.ndarray:
    """Run the estimator over a whole frame.

    The frame is normalised as in training and reflection-padded so that the
    output has the frame's size, whatever the estimator's padding.

    Parameters
    ----------
    estimator : nn.Module
        (B, 1, H, W) -> (B, 3, H', W') logits; put in eval mode here.
    image : (H, W) ndarray
        Raw intensities.
    data_config : DataConfig, optional
        The normalisation the model was trained with.
    device : torch.device or str

    Returns
    -------
    (3, H, W) ndarray of float32
        Background, interior and contour probabilities.

    Examples
    --------
    >>> from advseg.models import PaperEstimator
    >>> predict_probs(PaperEstimator(), np.zeros((37, 50))).shape
    (3, 37, 50)
    """
    data_config = data_config or DataConfig()
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"`image` must be a 2-D (H, W) array, got shape {image.shape}")
    H, W = image.shape
    x = torch.from_numpy(normalize(image, mode=data_config.normalize, percentiles=data_config.percentiles))
    x = x[None, None].to(device)  # (1, 1, H, W)
    left, right, top, bottom = _padding(estimator, H, W)
    mode = "reflect" if max(left, right, top, bottom) < min(H, W) else "replicate"
    x = F.pad(x, (left, right, top, bottom), mode=mode)
    was_training = estimator.training
    estimator.eval()
    try:
        logits = estimator(x)[0, :, :H, :W]  # (3, H, W)
    finally:
        estimator.train(was_training)
    return torch.softmax(logits.float(), dim=0).cpu().numpy()
