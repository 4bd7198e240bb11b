"""Which networks to build: one frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ModelConfig"]


@dataclass(frozen=True)
class ModelConfig:
    """Which estimator and discriminator to build, and the paper-vs-code switches.

    Defaults are the original code's: five-layer estimator with a 3x3 fourth
    layer, VALID padding, batch norm without trained scale/offset, and the rib
    cage discriminator.
    """

    estimator: str = "paper"  # "paper" (five-layer fully convolutional net) or "unet"
    layer4_kernel: int = 3  # 3 (original code) or 4 (paper text) for the estimator's fourth layer
    padding: str = "valid"  # "valid" (code: output 20 px smaller, targets centre-cropped) or "same"
    bn_affine: bool = False  # train batch norm scale/offset (the original code never did)
    bn_momentum: float = 0.1  # running-statistics update; TensorFlow's decay 0.999 is momentum 0.001
    leak: float = 0.1  # leaky ReLU slope
    unet_width: int = 16  # channels of the U-Net's first level (doubles per level)
    unet_depth: int = 2  # the U-Net's 2x poolings (an output pixel sees ~41 px at 2, ~85 px at 3)
    discriminator: str = "ribcage"  # "ribcage", "concat" (plain conditional) or "patch"
    spectral_norm: bool = False  # divide each D layer's weight by its largest singular value (Miyato et al. 2018)

    def __post_init__(self) -> None:
        choices = {
            "estimator": ("paper", "unet"),
            "padding": ("valid", "same"),
            "discriminator": ("ribcage", "concat", "patch"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"`{name}` must be one of {list(allowed)}, got {getattr(self, name)!r}")
        if self.layer4_kernel not in (3, 4):
            raise ValueError(f"`layer4_kernel` must be 3 (code) or 4 (paper text), got {self.layer4_kernel}")
        if not 0 < self.bn_momentum <= 1:
            raise ValueError(f"`bn_momentum` must be in (0, 1], got {self.bn_momentum}")
        if not 0 <= self.leak < 1:
            raise ValueError(f"`leak` must be in [0, 1), got {self.leak}")
        if self.unet_width < 1:
            raise ValueError(f"`unet_width` must be at least 1 channel, got {self.unet_width}")
        if not 1 <= self.unet_depth <= 5:
            raise ValueError(f"`unet_depth` must be 1 to 5 poolings, got {self.unet_depth}")
