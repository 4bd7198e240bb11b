"""The flattened background in torch, for exported models: the same field as :mod:`advseg.data.background`.

bioimage.io preprocessing has no background subtraction; a model trained with
``normalize="flat"`` carries it inside its TorchScript module instead. Every
step mirrors the NumPy version: the 10th percentile of each 16-px block (edge
padding, linear interpolation), the median over 9 x 9 blocks and a Gaussian of
sigma 2 blocks (radius 8; edges repeated, as SciPy's ``mode="nearest"``),
bilinear interpolation back to every pixel, then the 1st and 99.8th percentiles
of the flattened image mapped to 0 and 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from advseg.data.background import BLOCK, QUANTILE, SMOOTH, WINDOW
from advseg.interop.contrast import sorted_quantile

__all__ = ["FlatNormalize"]

_TRUNCATE = 4.0  # SciPy's gaussian_filter default


def _coordinates(size: int, block: int, blocks: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Lower block index, upper block index and weight of the upper one for every pixel along one axis."""
    centre = (torch.arange(size, dtype=torch.float64, device=device) + 0.5) / block - 0.5
    centre = centre.clamp(0.0, float(blocks - 1))
    lower = torch.floor(centre).long()
    upper = torch.clamp(lower + 1, max=blocks - 1)
    return lower, upper, centre - lower.double()


class FlatNormalize(nn.Module):
    """(B, 1, H, W) raw intensities -> (B, 1, H, W) float32, each image less its background field, then percentiles."""

    def __init__(self, *, percentiles: tuple[float, float] = (1.0, 99.8)) -> None:
        super().__init__()
        self.low_q = float(percentiles[0]) / 100.0
        self.high_q = float(percentiles[1]) / 100.0
        radius = int(_TRUNCATE * SMOOTH + 0.5)
        x = torch.arange(-radius, radius + 1, dtype=torch.float64)
        kernel = torch.exp(-0.5 * (x / SMOOTH) ** 2)
        self.register_buffer("kernel", (kernel / kernel.sum()).reshape(1, 1, 1, -1))
        self.radius = radius
        self.block = BLOCK
        self.window = WINDOW
        self.quantile = QUANTILE / 100.0

    def field(self, image: torch.Tensor) -> torch.Tensor:
        """The background field of one (H, W) image, float64 (H, W)."""
        H, W, block, window = image.shape[0], image.shape[1], self.block, self.window
        h, w = (H + block - 1) // block, (W + block - 1) // block
        x = F.pad(image.float()[None, None], (0, w * block - W, 0, h * block - H), mode="replicate")[0, 0]
        blocks = x.reshape(h, block, w, block).permute(0, 2, 1, 3).reshape(h, w, block * block)
        levels = sorted_quantile(torch.sort(blocks, dim=-1)[0], self.quantile).double()  # (h, w)
        half = window // 2
        padded = F.pad(levels[None, None], (half, half, half, half), mode="replicate")[0, 0]
        windows = padded.unfold(0, window, 1).unfold(1, window, 1).reshape(h, w, window * window)
        levels = torch.median(windows, dim=-1)[0]  # 81 values: the middle one, as SciPy's median filter
        r = self.radius
        levels = F.conv2d(F.pad(levels[None, None], (r, r, 0, 0), mode="replicate"), self.kernel)
        levels = F.conv2d(F.pad(levels, (0, 0, r, r), mode="replicate"), self.kernel.transpose(2, 3))[0, 0]
        r0, r1, fr = _coordinates(H, block, h, image.device)
        c0, c1, fc = _coordinates(W, block, w, image.device)
        top = levels.index_select(0, r0)
        bottom = levels.index_select(0, r1)
        rows = top + fr[:, None] * (bottom - top)  # (H, w)
        left = rows.index_select(1, c0)
        right = rows.index_select(1, c1)
        return left + fc[None, :] * (right - left)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        out = []
        for b in range(images.shape[0]):
            image = images[b, 0]
            flat = image.float().double() - self.field(image)
            ordered = torch.sort(flat.flatten())[0]
            low = sorted_quantile(ordered, self.low_q)
            high = sorted_quantile(ordered, self.high_q)
            out.append((flat - low) / torch.clamp(high - low, min=1e-6))
        return torch.stack(out)[:, None].float()
