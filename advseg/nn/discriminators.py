"""Discriminators: the paper's "rib cage", and a plain and a patch one for ablation.

Each takes an image crop (B, 1, S, S) and a segmentation (B, 3, S, S) (a
one-hot manual segmentation or the estimator's softmax) at the estimator's
output size, and returns logits: (B, 1) for the rib cage and the plain one,
(B, 1, h, w) for the patch discriminator. A sigmoid turns a logit into D's
probability that the segmentation is manual.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from advseg.nn.config import ModelConfig
from advseg.nn.layers import conv_bn_lrelu

__all__ = [
    "DISCRIMINATORS",
    "ConcatDiscriminator",
    "PatchDiscriminator",
    "RibBlock",
    "RibCageDiscriminator",
    "build_discriminator",
]

RIB_BLOCKS = ((9, 8), (7, 16), (5, 32))  # (kernel, filters) of the original code's three blocks


def _check_inputs(images: torch.Tensor, segmentations: torch.Tensor, input_size: int | None) -> None:
    if images.ndim != 4 or images.shape[1] != 1:
        raise ValueError(f"`images` must have shape (B, 1, S, S), got {tuple(images.shape)}")
    if segmentations.ndim != 4 or segmentations.shape[1] != 3:
        raise ValueError(f"`segmentations` must have shape (B, 3, S, S), got {tuple(segmentations.shape)}")
    if images.shape[0] != segmentations.shape[0] or images.shape[-2:] != segmentations.shape[-2:]:
        raise ValueError(
            f"`segmentations` (shape {tuple(segmentations.shape)}) must match `images` (shape {tuple(images.shape)}) "
            "in batch size and spatial size"
        )
    if input_size is not None and tuple(images.shape[-2:]) != (input_size, input_size):
        raise ValueError(
            f"this discriminator was built for {input_size}x{input_size} inputs, got "
            f"{images.shape[-2]}x{images.shape[-1]}; build it with input_size={images.shape[-1]}"
        )


def _output_side(input_size: int, blocks: tuple[tuple[int, int], ...]) -> int:
    """Side of the feature maps after VALID convolutions with the blocks' kernels."""
    shrink = sum(k - 1 for k, _ in blocks)
    if input_size - shrink < 1:
        raise ValueError(f"`input_size` must exceed {shrink} px for these blocks, got {input_size}")
    return input_size - shrink


class RibBlock(nn.Module):
    """One rib-cage block: (left, right, centre) -> (left', right', centre').

    ``left' = lrelu(BN(conv(left)))``, ``right' = lrelu(BN(conv(right)))`` and
    ``centre' = concat(left', right', lrelu(BN(conv_{n/2}(centre))))``.

    Examples
    --------
    >>> block = RibBlock(1, 3, 4, kernel=9, filters=8)
    >>> block.out_channels
    (8, 8, 20)
    """

    def __init__(self, in_left: int, in_right: int, in_centre: int, *, kernel: int, filters: int, leak: float = 0.1, bn_affine: bool = False, bn_momentum: float = 0.1) -> None:
        super().__init__()
        opts = {"bias": False, "leak": leak, "bn_affine": bn_affine, "bn_momentum": bn_momentum}
        self.left = conv_bn_lrelu(in_left, filters, kernel, **opts)
        self.right = conv_bn_lrelu(in_right, filters, kernel, **opts)
        self.centre = conv_bn_lrelu(in_centre, filters // 2, kernel, **opts)
        self.out_channels = (filters, filters, 2 * filters + filters // 2)

    def forward(self, left: torch.Tensor, right: torch.Tensor, centre: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        left, right = self.left(left), self.right(right)  # (B, n, s, s) each
        centre = torch.cat([left, right, self.centre(centre)], dim=1)  # (B, 2n + n/2, s, s)
        return left, right, centre


def _classifier(features: int, hidden: int, leak: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(features, hidden),
        nn.LeakyReLU(leak),
        nn.Linear(hidden, hidden),
        nn.LeakyReLU(leak),
        nn.Linear(hidden, 1),
    )


class RibCageDiscriminator(nn.Module):
    """The paper's discriminator: three rib blocks, then FC 64, FC 64, FC 1.

    The left rib follows the image, the right rib the segmentation, and the
    centre (spine) mixes both at every depth.

    Parameters
    ----------
    input_size : int
        Side of the square inputs (the estimator's output size: 44 for 64 px
        crops under VALID padding).
    blocks : sequence of (kernel, filters)
        The original code's ((9, 8), (7, 16), (5, 32)) by default.
    hidden : int
        Width of the two hidden fully connected layers.

    Examples
    --------
    >>> d = RibCageDiscriminator(input_size=44)
    >>> d(torch.zeros(2, 1, 44, 44), torch.zeros(2, 3, 44, 44)).shape
    torch.Size([2, 1])
    >>> d.n_features  # 26 x 26 x (32 + 32 + 80)
    97344
    """

    def __init__(self, *, input_size: int, blocks: tuple[tuple[int, int], ...] = RIB_BLOCKS, hidden: int = 64, leak: float = 0.1, bn_affine: bool = False, bn_momentum: float = 0.1) -> None:
        super().__init__()
        self.input_size = input_size
        side = _output_side(input_size, blocks)
        channels = (1, 3, 4)  # image, segmentation, and their concatenation
        ribs = []
        for kernel, filters in blocks:
            rib = RibBlock(*channels, kernel=kernel, filters=filters, leak=leak, bn_affine=bn_affine, bn_momentum=bn_momentum)
            ribs.append(rib)
            channels = rib.out_channels
        self.ribs = nn.ModuleList(ribs)
        self.n_features = side * side * sum(channels)
        self.classifier = _classifier(self.n_features, hidden, leak)

    def forward(self, images: torch.Tensor, segmentations: torch.Tensor) -> torch.Tensor:
        """(B, 1, S, S) images and (B, 3, S, S) segmentations -> (B, 1) logits."""
        _check_inputs(images, segmentations, self.input_size)
        left, right, centre = images, segmentations, torch.cat([images, segmentations], dim=1)
        for rib in self.ribs:
            left, right, centre = rib(left, right, centre)
        return self.classifier(torch.cat([left, right, centre], dim=1))  # (B, 1)


class ConcatDiscriminator(nn.Module):
    """A plain conditional discriminator: image and segmentation concatenated, no ribs.

    Same depth and kernels as the rib cage, with each layer as wide as a rib
    block's total output (20, 40, 80 channels).
    """

    def __init__(self, *, input_size: int, blocks: tuple[tuple[int, int], ...] = RIB_BLOCKS, hidden: int = 64, leak: float = 0.1, bn_affine: bool = False, bn_momentum: float = 0.1) -> None:
        super().__init__()
        self.input_size = input_size
        side = _output_side(input_size, blocks)
        layers, in_channels = [], 4
        for kernel, filters in blocks:
            width = 2 * filters + filters // 2
            layers.append(conv_bn_lrelu(in_channels, width, kernel, bias=False, leak=leak, bn_affine=bn_affine, bn_momentum=bn_momentum))
            in_channels = width
        self.features = nn.Sequential(*layers)
        self.n_features = side * side * in_channels
        self.classifier = _classifier(self.n_features, hidden, leak)

    def forward(self, images: torch.Tensor, segmentations: torch.Tensor) -> torch.Tensor:
        """(B, 1, S, S), (B, 3, S, S) -> (B, 1) logits."""
        _check_inputs(images, segmentations, self.input_size)
        return self.classifier(self.features(torch.cat([images, segmentations], dim=1)))


class PatchDiscriminator(nn.Module):
    """A pix2pix-style patch discriminator: one logit per overlapping patch.

    Works on any input size of at least 16 px; ``input_size`` is kept for a
    uniform interface.

    Examples
    --------
    >>> PatchDiscriminator(input_size=44)(torch.zeros(1, 1, 44, 44), torch.zeros(1, 3, 44, 44)).shape
    torch.Size([1, 1, 9, 9])
    """

    def __init__(self, *, input_size: int | None = None, width: int = 32, leak: float = 0.2, bn_affine: bool = True, bn_momentum: float = 0.1) -> None:
        super().__init__()
        self.input_size = input_size
        opts = {"leak": leak, "bn_affine": bn_affine, "bn_momentum": bn_momentum, "padding": 1}
        self.features = nn.Sequential(
            nn.Conv2d(4, width, 4, stride=2, padding=1),
            nn.LeakyReLU(leak),
            conv_bn_lrelu(width, 2 * width, 4, stride=2, bias=False, **opts),
            conv_bn_lrelu(2 * width, 4 * width, 4, bias=False, **opts),
            nn.Conv2d(4 * width, 1, 4, padding=1),
        )

    def forward(self, images: torch.Tensor, segmentations: torch.Tensor) -> torch.Tensor:
        """(B, 1, S, S), (B, 3, S, S) -> (B, 1, h, w) patch logits."""
        _check_inputs(images, segmentations, None)
        if min(images.shape[-2:]) < 16:
            raise ValueError(f"`images` must be at least 16 px on each side, got {tuple(images.shape[-2:])}")
        return self.features(torch.cat([images, segmentations], dim=1))


def _options(config: ModelConfig) -> dict:
    return {"leak": config.leak, "bn_affine": config.bn_affine, "bn_momentum": config.bn_momentum}


# name -> builder(ModelConfig, input_size)
DISCRIMINATORS: dict[str, Callable[[ModelConfig, int], nn.Module]] = {
    "ribcage": lambda config, size: RibCageDiscriminator(input_size=size, **_options(config)),
    "concat": lambda config, size: ConcatDiscriminator(input_size=size, **_options(config)),
    "patch": lambda config, size: PatchDiscriminator(input_size=size, bn_momentum=config.bn_momentum),
}


def build_discriminator(config: ModelConfig, *, input_size: int) -> nn.Module:
    """The discriminator named by ``config.discriminator``, built for ``input_size`` px inputs.

    With ``config.spectral_norm`` every convolution and linear layer is
    spectrally normalised (one power iteration per training forward pass).
    """
    discriminator = DISCRIMINATORS[config.discriminator](config, input_size)
    if config.spectral_norm:
        for module in list(discriminator.modules()):
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                torch.nn.utils.parametrizations.spectral_norm(module)
    return discriminator
