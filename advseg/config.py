"""Configuration as frozen dataclasses, one per concern."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DataConfig", "ModelConfig", "TrainConfig"]


@dataclass(frozen=True)
class DataConfig:
    """How training samples are drawn from the annotated frames.

    Defaults follow the original code: 64x64 crops, all 8 flips and 90-degree
    rotations, no intensity normalisation (the estimator's first batch norm
    normalises).
    """

    crop_size: int = 64  # side of the square training crops, px
    dihedral: bool = True  # random flips and 90-degree rotations (all 8 dihedral transforms)
    rotate: bool = False  # also rotate by an arbitrary angle, as the paper's text says
    normalize: str = "none"  # "none" (original code) or "percentile" (per-image scaling)
    percentiles: tuple[float, float] = (1.0, 99.8)  # low/high percentiles for "percentile"

    def __post_init__(self) -> None:
        from advseg.augment import NORMALIZERS

        if self.crop_size < 1:
            raise ValueError(f"`crop_size` must be a positive number of pixels, got {self.crop_size}")
        if self.normalize not in NORMALIZERS:
            raise ValueError(f"`normalize` must be one of {sorted(NORMALIZERS)}, got {self.normalize!r}")
        low, high = self.percentiles
        if not 0 <= low < high <= 100:
            raise ValueError(f"`percentiles` must satisfy 0 <= low < high <= 100, got {self.percentiles}")


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
    discriminator: str = "ribcage"  # "ribcage", "concat" (plain conditional) or "patch"

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


@dataclass(frozen=True)
class TrainConfig:
    """How the estimator (and, for adversarial losses, the discriminator) are trained.

    ``iterations`` counts estimator updates; the discriminator makes
    ``d_steps / e_steps`` times as many. The presets in :mod:`advseg.presets`
    set these for the paper's GPU budget and for a 2-core CPU.
    """

    loss: str = "adversarial"  # "adversarial" (the paper), "ce" (CE Loss baseline) or "hybrid"
    estimator_form: str = "non_saturating"  # "non_saturating" (code: -log D) or "saturating" (eq. 4: log(1 - D))
    iterations: int = 1000  # estimator updates
    batch_size: int = 16  # B: crops per estimator step; the discriminator sees 2B pairs
    d_steps: int = 20  # discriminator steps per cycle
    e_steps: int = 10  # estimator steps per cycle (the paper's 1:2 ratio is 10:20)
    lr_estimator: float = 1e-3  # learning rate of the estimator (paper 1e-4, code 1e-3)
    lr_discriminator: float = 1e-3  # learning rate of the discriminator
    optimizer: str = "rmsprop_tf"  # "rmsprop_tf", "rmsprop_torch" or "adam"
    hybrid_weight: float = 0.5  # p in (1 - p) * adversarial + p * cross-entropy
    class_weights: tuple[float, float, float] | None = None  # cross-entropy weights (background, interior, contour)
    double_softmax: bool = False  # reproduce the original code's softmax-twice cross-entropy
    ce_warmup: int = 0  # estimator steps of pure cross-entropy before the game starts
    manual_smoothing: float = 0.0  # label noise: move manual one-hot pixels up to this far towards random soft labels
    validate_every: int = 100  # estimator steps between validations (and model selection)
    checkpoint_every: int = 100  # estimator steps between checkpoints
    log_every: int = 10  # estimator steps between history records
    seed: int = 0  # seeds weights, crops and augmentation
    device: str = "auto"  # "auto", "cpu" or "cuda"
    amp: bool = True  # bfloat16 autocast on CUDA (ignored on the CPU)

    def __post_init__(self) -> None:
        from advseg.losses import ESTIMATOR_LOSSES
        from advseg.optim import OPTIMIZERS

        choices = {"loss": ("adversarial", "ce", "hybrid"), "estimator_form": tuple(ESTIMATOR_LOSSES), "optimizer": tuple(OPTIMIZERS)}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"`{name}` must be one of {list(allowed)}, got {getattr(self, name)!r}")
        for name in ("iterations", "batch_size", "d_steps", "e_steps", "validate_every", "checkpoint_every", "log_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"`{name}` must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.hybrid_weight <= 1.0:
            raise ValueError(f"`hybrid_weight` must be in [0, 1], got {self.hybrid_weight}")
        if not 0.0 <= self.manual_smoothing < 1.0:
            raise ValueError(f"`manual_smoothing` must be in [0, 1), got {self.manual_smoothing}")
        if self.ce_warmup < 0:
            raise ValueError(f"`ce_warmup` must be >= 0, got {self.ce_warmup}")
