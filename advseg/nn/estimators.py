"""The paper's estimator: a five-layer fully convolutional network.

=====  ===============  =======================================================
layer  paper text       original code
=====  ===============  =======================================================
1      C(9, 16)         conv 9x9, 16, bias, VALID -> BN -> leaky ReLU(0.1)
2      C(7, 32)         conv 7x7, 32, same pattern
3      C(5, 64)         conv 5x5, 64, same pattern
4      C(4, 64)         conv **3x3**, 64, same pattern
5      C(1, 3)          BN -> conv 1x1, 3 (no activation) -> softmax
=====  ===============  =======================================================

No stride, pooling or upsampling: under VALID padding the output is 20 px
smaller than the input (10 per side) and the receptive field is 21 px.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from advseg.nn.config import ModelConfig
from advseg.nn.layers import conv_bn_lrelu

__all__ = ["ESTIMATORS", "PaperEstimator", "build_estimator"]


class PaperEstimator(nn.Module):
    """Five-layer fully convolutional estimator (logits for background / interior / contour).

    Parameters
    ----------
    layer4_kernel : {3, 4}
        Fourth layer's kernel: 3 in the original code, 4 in the paper's text.
    padding : {"valid", "same"}
        VALID shrinks the output by ``margin`` px per side; "same" keeps the size.
    bn_affine : bool
        Learn batch norm scale/offset (the original code did not).
    bn_momentum : float
    leak : float

    Examples
    --------
    >>> net = PaperEstimator()
    >>> net(torch.zeros(2, 1, 64, 64)).shape
    torch.Size([2, 3, 44, 44])
    >>> net.margin, net.receptive_field
    (10, 21)
    """

    KERNELS = (9, 7, 5)  # layers 1-3; layer 4 is configurable
    FILTERS = (16, 32, 64, 64)

    def __init__(
        self,
        *,
        layer4_kernel: int = 3,
        padding: str = "valid",
        bn_affine: bool = False,
        bn_momentum: float = 0.1,
        leak: float = 0.1,
    ) -> None:
        super().__init__()
        kernels = (*self.KERNELS, layer4_kernel)
        self.kernels = kernels
        self.padding = padding
        channels = (1, *self.FILTERS)
        self.features = nn.Sequential(
            *(
                conv_bn_lrelu(channels[i], channels[i + 1], k, padding=padding, bn_affine=bn_affine, bn_momentum=bn_momentum, leak=leak)
                for i, k in enumerate(kernels)
            )
        )
        self.head = nn.Sequential(
            nn.BatchNorm2d(channels[-1], eps=1e-3, momentum=bn_momentum, affine=bn_affine),
            nn.Conv2d(channels[-1], 3, 1),
        )

    @property
    def receptive_field(self) -> int:
        """Side of the input window one output pixel sees."""
        return 1 + sum(k - 1 for k in self.kernels)

    @property
    def shrink(self) -> int:
        """Pixels the output loses against the input along each axis (0 under "same")."""
        return 0 if self.padding == "same" else self.receptive_field - 1

    @property
    def margin(self) -> int:
        """Pixels lost on the top/left side (``shrink // 2``)."""
        return self.shrink // 2

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) images -> (B, 3, H - shrink, W - shrink) logits."""
        if images.ndim != 4 or images.shape[1] != 1:
            raise ValueError(f"`images` must have shape (B, 1, H, W), got {tuple(images.shape)}")
        if min(images.shape[-2:]) <= self.shrink:
            raise ValueError(f"`images` must be larger than {self.shrink} px on each side, got {tuple(images.shape[-2:])}")
        return self.head(self.features(images))


def _paper(config: ModelConfig) -> nn.Module:
    return PaperEstimator(
        layer4_kernel=config.layer4_kernel,
        padding=config.padding,
        bn_affine=config.bn_affine,
        bn_momentum=config.bn_momentum,
        leak=config.leak,
    )


def _unet(config: ModelConfig) -> nn.Module:
    from advseg.nn.unet import UNetEstimator

    return UNetEstimator(width=config.unet_width, depth=config.unet_depth, bn_affine=config.bn_affine,
                         bn_momentum=config.bn_momentum, leak=config.leak)


# name -> builder(ModelConfig)
ESTIMATORS: dict[str, Callable[[ModelConfig], nn.Module]] = {"paper": _paper, "unet": _unet}


def build_estimator(config: ModelConfig) -> nn.Module:
    """The estimator named by ``config.estimator``."""
    return ESTIMATORS[config.estimator](config)
