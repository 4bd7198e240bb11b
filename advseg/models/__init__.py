"""Networks: estimators (segmenters) and discriminators, with builders from a ModelConfig."""

from advseg.models.discriminator import (
    DISCRIMINATORS,
    ConcatDiscriminator,
    PatchDiscriminator,
    RibBlock,
    RibCageDiscriminator,
    build_discriminator,
)
from advseg.models.estimator import ESTIMATORS, PaperEstimator, build_estimator
from advseg.models.unet import UNetEstimator

__all__ = [
    "DISCRIMINATORS",
    "ESTIMATORS",
    "ConcatDiscriminator",
    "PaperEstimator",
    "PatchDiscriminator",
    "RibBlock",
    "RibCageDiscriminator",
    "UNetEstimator",
    "build_discriminator",
    "build_estimator",
]
