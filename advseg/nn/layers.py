"""The conv -> batch norm -> leaky ReLU unit both networks are made of."""

from __future__ import annotations

from torch import nn

__all__ = ["conv_bn_lrelu"]


def conv_bn_lrelu(
    in_channels: int,
    out_channels: int,
    kernel: int,
    *,
    padding: str = "valid",
    bias: bool = True,
    bn_affine: bool = False,
    bn_momentum: float = 0.1,
    leak: float = 0.1,
    stride: int = 1,
) -> nn.Sequential:
    """Convolution, batch norm (TensorFlow's epsilon 1e-3) and leaky ReLU.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel : int
        Square kernel side.
    padding : {"valid", "same"} or int
    bias : bool
        Convolution bias (the estimator had one, the discriminator did not).
    bn_affine : bool
        Learn the batch norm scale and offset.
    bn_momentum : float
        Running-statistics update rate.
    leak : float
        Negative slope.
    stride : int

    Returns
    -------
    nn.Sequential
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=padding, bias=bias),
        nn.BatchNorm2d(out_channels, eps=1e-3, momentum=bn_momentum, affine=bn_affine),
        nn.LeakyReLU(leak),
    )
