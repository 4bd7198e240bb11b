"""Networks: estimators (segmenters) and discriminators with builders from a ModelConfig, their losses and optimisers."""

from advseg.nn.config import ModelConfig
from advseg.nn.discriminators import (
    DISCRIMINATORS,
    ConcatDiscriminator,
    PatchDiscriminator,
    RibBlock,
    RibCageDiscriminator,
    build_discriminator,
)
from advseg.nn.estimators import ESTIMATORS, PaperEstimator, build_estimator
from advseg.nn.losses import ESTIMATOR_LOSSES, cross_entropy_loss, discriminator_loss, estimator_loss, hybrid_loss
from advseg.nn.optimizers import OPTIMIZERS, TFRMSprop, build_optimizer
from advseg.nn.summary import layer_table, n_parameters
from advseg.nn.unet import UNetEstimator

__all__ = [
    "ESTIMATOR_LOSSES",
    "OPTIMIZERS",
    "ModelConfig",
    "TFRMSprop",
    "build_optimizer",
    "cross_entropy_loss",
    "discriminator_loss",
    "estimator_loss",
    "hybrid_loss",
    "layer_table",
    "n_parameters",
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
