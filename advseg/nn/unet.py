"""A small U-Net estimator with the same three-class output.

The paper's estimator sees 21 px, less than a large nucleus. This U-Net (two
poolings, about 0.12 M parameters at width 16, as many as the paper's net)
sees about 44 px and keeps the output the size of the input.
"""

from __future__ import annotations

import torch
from torch import nn

from advseg.nn.layers import conv_bn_lrelu

__all__ = ["UNetEstimator"]


class UNetEstimator(nn.Module):
    """Two-level U-Net: (B, 1, H, W) -> (B, 3, H, W) logits; H and W multiples of 4.

    Examples
    --------
    >>> UNetEstimator()(torch.zeros(1, 1, 64, 64)).shape
    torch.Size([1, 3, 64, 64])
    """

    shrink = 0  # output size equals input size
    margin = 0
    multiple = 4  # H and W must be multiples of this (two 2x poolings)

    def __init__(self, *, width: int = 16, bn_affine: bool = True, bn_momentum: float = 0.1, leak: float = 0.1) -> None:
        super().__init__()
        w = width
        opts = {"padding": "same", "bn_affine": bn_affine, "bn_momentum": bn_momentum, "leak": leak}
        self.enc1 = nn.Sequential(conv_bn_lrelu(1, w, 3, **opts), conv_bn_lrelu(w, w, 3, **opts))
        self.enc2 = nn.Sequential(conv_bn_lrelu(w, 2 * w, 3, **opts), conv_bn_lrelu(2 * w, 2 * w, 3, **opts))
        self.bottom = nn.Sequential(conv_bn_lrelu(2 * w, 4 * w, 3, **opts), conv_bn_lrelu(4 * w, 4 * w, 3, **opts))
        self.up2 = nn.ConvTranspose2d(4 * w, 2 * w, 2, stride=2)
        self.dec2 = nn.Sequential(conv_bn_lrelu(4 * w, 2 * w, 3, **opts), conv_bn_lrelu(2 * w, 2 * w, 3, **opts))
        self.up1 = nn.ConvTranspose2d(2 * w, w, 2, stride=2)
        self.dec1 = nn.Sequential(conv_bn_lrelu(2 * w, w, 3, **opts), conv_bn_lrelu(w, w, 3, **opts))
        self.head = nn.Conv2d(w, 3, 1)
        self.pool = nn.MaxPool2d(2)
        self.input_norm = nn.BatchNorm2d(1, eps=1e-3, momentum=bn_momentum, affine=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) images -> (B, 3, H, W) logits."""
        if images.ndim != 4 or images.shape[1] != 1:
            raise ValueError(f"`images` must have shape (B, 1, H, W), got {tuple(images.shape)}")
        if images.shape[-2] % self.multiple or images.shape[-1] % self.multiple:
            raise ValueError(f"`images` height and width must be multiples of {self.multiple}, got {tuple(images.shape[-2:])}")
        x1 = self.enc1(self.input_norm(images))  # (B, w, H, W)
        x2 = self.enc2(self.pool(x1))  # (B, 2w, H/2, W/2)
        x3 = self.bottom(self.pool(x2))  # (B, 4w, H/4, W/4)
        y2 = self.dec2(torch.cat([self.up2(x3), x2], dim=1))  # (B, 2w, H/2, W/2)
        y1 = self.dec1(torch.cat([self.up1(y2), x1], dim=1))  # (B, w, H, W)
        return self.head(y1)
