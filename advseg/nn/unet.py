"""A U-Net estimator with the same three-class output.

The paper's estimator sees 21 px, less than a large nucleus. This U-Net (two
poolings, about 0.12 M parameters at width 16, as many as the paper's net)
sees about 41 px and keeps the output the size of the input; three poolings
at width 32 (about 1.9 M parameters) see about 85 px, a whole cluster of
nuclei.
"""

from __future__ import annotations

import torch
from torch import nn

from advseg.nn.layers import conv_bn_lrelu

__all__ = ["UNetEstimator"]


class UNetEstimator(nn.Module):
    """U-Net with ``depth`` poolings: (B, 1, H, W) -> (B, 3, H, W) logits; H and W multiples of ``2 ** depth``.

    Parameters
    ----------
    width : int, optional
        Channels of the first level; they double at every level down.
    depth : int, optional
        Number of 2x poolings (one output pixel sees about 41 px at 2, 85 px at 3).
    bn_affine, bn_momentum, leak : optional
        Batch norm and activation settings of every block.

    Examples
    --------
    >>> UNetEstimator()(torch.zeros(1, 1, 64, 64)).shape
    torch.Size([1, 3, 64, 64])
    >>> UNetEstimator(depth=3, width=8)(torch.zeros(2, 1, 64, 64)).shape
    torch.Size([2, 3, 64, 64])
    """

    shrink = 0  # output size equals input size
    margin = 0

    def __init__(self, *, width: int = 16, depth: int = 2, bn_affine: bool = True, bn_momentum: float = 0.1,
                 leak: float = 0.1) -> None:
        super().__init__()
        if not 1 <= depth <= 5:
            raise ValueError(f"`depth` must be 1 to 5 poolings, got {depth}")
        opts = {"padding": "same", "bn_affine": bn_affine, "bn_momentum": bn_momentum, "leak": leak}
        self.depth = depth
        self.multiple = 2 ** depth  # H and W must be multiples of this
        channels = [width * 2 ** level for level in range(depth + 1)]  # level 0 is the full resolution

        def block(c_in: int, c_out: int) -> nn.Sequential:
            return nn.Sequential(conv_bn_lrelu(c_in, c_out, 3, **opts), conv_bn_lrelu(c_out, c_out, 3, **opts))

        # attribute names (enc1, enc2, bottom, up2, dec2, up1, dec1) and creation order as the two-level net always had,
        # so its model files load and its seeded initialisation is unchanged
        for level in range(1, depth + 1):
            setattr(self, f"enc{level}", block(1 if level == 1 else channels[level - 2], channels[level - 1]))
        self.bottom = block(channels[depth - 1], channels[depth])
        for level in range(depth, 0, -1):
            setattr(self, f"up{level}", nn.ConvTranspose2d(channels[level], channels[level - 1], 2, stride=2))
            setattr(self, f"dec{level}", block(2 * channels[level - 1], channels[level - 1]))
        self.head = nn.Conv2d(width, 3, 1)
        self.pool = nn.MaxPool2d(2)
        self.input_norm = nn.BatchNorm2d(1, eps=1e-3, momentum=bn_momentum, affine=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) images -> (B, 3, H, W) logits."""
        if images.ndim != 4 or images.shape[1] != 1:
            raise ValueError(f"`images` must have shape (B, 1, H, W), got {tuple(images.shape)}")
        if images.shape[-2] % self.multiple or images.shape[-1] % self.multiple:
            raise ValueError(f"`images` height and width must be multiples of {self.multiple}, got {tuple(images.shape[-2:])}")
        skips = []
        x = self.input_norm(images)
        for level in range(1, self.depth + 1):
            x = getattr(self, f"enc{level}")(x)  # (B, width * 2^(level-1), H / 2^(level-1), ...)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)  # (B, width * 2^depth, H / 2^depth, W / 2^depth)
        for level in range(self.depth, 0, -1):
            x = getattr(self, f"dec{level}")(torch.cat([getattr(self, f"up{level}")(x), skips[level - 1]], dim=1))
        return self.head(x)  # (B, 3, H, W)
