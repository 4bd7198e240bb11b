"""Robust contrast normalisation in torch, for exported models: the same levels as :mod:`advseg.data.contrast`.

bioimage.io preprocessing has percentile scaling but not the robust
normalisation (background to 0, typical nucleus to 1); an exported model that
was trained with it carries it inside its TorchScript module instead. Every
step mirrors the NumPy version: Gaussian smoothing (sigma 1, radius 4, mirrored
edges), linearly interpolated percentiles and medians, Otsu's threshold on a
256-bin histogram of the log-lifted intensities (as scikit-image computes it),
the same fallbacks and the same clipping.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from advseg.data.contrast import ROBUST_CLIP

__all__ = ["RobustNormalize", "sorted_quantile"]


def sorted_quantile(ordered: torch.Tensor, q: float) -> torch.Tensor:
    """Quantile ``q`` along the last axis of an already sorted tensor, linearly interpolated (NumPy's default)."""
    position = q * (ordered.shape[-1] - 1)
    below = int(math.floor(position))
    above = min(below + 1, ordered.shape[-1] - 1)
    return ordered[..., below] + (position - below) * (ordered[..., above] - ordered[..., below])


def _quantile(values: torch.Tensor, q: float) -> torch.Tensor:
    """``np.percentile(values, 100 q)`` (linear interpolation) of a 1-D float64 tensor."""
    return sorted_quantile(torch.sort(values)[0], q)


def _otsu(values: torch.Tensor) -> torch.Tensor:
    """scikit-image's ``threshold_otsu`` (256 bins over the values' range) of a 1-D float64 tensor."""
    low, high = values.min(), values.max()
    counts = torch.histc(values, bins=256, min=float(low), max=float(high)).double()
    edges = torch.linspace(float(low), float(high), 257, dtype=torch.float64, device=values.device)
    centres = (edges[:-1] + edges[1:]) / 2
    weight1 = torch.cumsum(counts, 0)
    weight2 = torch.flip(torch.cumsum(torch.flip(counts, [0]), 0), [0])
    mean1 = torch.cumsum(counts * centres, 0) / weight1.clamp_min(1e-300)
    mean2 = torch.flip(torch.cumsum(torch.flip(counts * centres, [0]), 0) / torch.flip(weight2, [0]).clamp_min(1e-300), [0])
    variance = weight1[:-1] * weight2[1:] * (mean1[:-1] - mean2[1:]) ** 2
    return centres[int(torch.argmax(variance))]


class RobustNormalize(nn.Module):
    """(B, 1, H, W) raw intensities -> (B, 1, H, W) float32, each image on its own levels."""

    def __init__(self, *, percentiles: tuple[float, float] = (1.0, 99.8)) -> None:
        super().__init__()
        self.low_q = float(percentiles[0]) / 100.0
        self.high_q = float(percentiles[1]) / 100.0
        radius = 4
        x = torch.arange(-radius, radius + 1, dtype=torch.float64)
        kernel = torch.exp(-0.5 * x**2)
        self.register_buffer("kernel", (kernel / kernel.sum()).reshape(1, 1, 1, -1))
        self.radius = radius
        self.clip_low, self.clip_high = float(ROBUST_CLIP[0]), float(ROBUST_CLIP[1])

    def _smooth(self, image: torch.Tensor) -> torch.Tensor:
        x = image.double()[None, None]
        x = F.conv2d(F.pad(x, (self.radius, self.radius, 0, 0), mode="reflect"), self.kernel)
        x = F.conv2d(F.pad(x, (0, 0, self.radius, self.radius), mode="reflect"), self.kernel.transpose(2, 3))
        return x[0, 0]

    def levels(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Background and typical-nucleus level of one (H, W) image (float64 scalars)."""
        smooth = self._smooth(image).flatten()
        low = _quantile(smooth, self.low_q)
        high = _quantile(smooth, self.high_q)
        above = (smooth - low).clamp_min(0.0)
        spread = 1.4826 * _quantile((smooth - _quantile(smooth, 0.5)).abs(), 0.5)
        if not bool(spread > 0):
            positive = above[above > 0]
            spread = 0.01 * _quantile(positive, 0.5) if positive.numel() > 0 else torch.zeros_like(low)
        lifted = torch.log1p(above / spread.clamp_min(1e-12))
        if bool(lifted.max() > lifted.min()):
            foreground = smooth[lifted > _otsu(lifted)]
            fraction = foreground.numel() / smooth.numel()
            if 0.001 <= fraction <= 0.9:
                high = _quantile(foreground, 0.5)
        if not bool(high > low):
            high = low + torch.clamp(low.abs() * 1e-3, min=1e-6)
        return low, high

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        out = []
        for b in range(images.shape[0]):
            low, high = self.levels(images[b, 0])
            out.append(((images[b, 0].double() - low) / (high - low)).clamp(self.clip_low, self.clip_high))
        return torch.stack(out)[:, None].float()
