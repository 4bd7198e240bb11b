"""advseg: microscopy cell segmentation via adversarial neural networks.

A PyTorch reproduction of Arbelle & Riklin Raviv (2017), "Microscopy Cell
Segmentation via Adversarial Neural Networks": an estimator network segments
nuclei into background / interior / contour, and a "rib cage" discriminator
learns to tell manual from estimated segmentations.
"""

from __future__ import annotations

__version__ = "0.1.0"

from advseg.config import DataConfig
from advseg.datasets import Dataset, Sample, load_dataset
from advseg.embedded import synthetic_h1299
from advseg.protocol import PaperProtocol, paper_protocol
from advseg.sampler import CropSampler
from advseg.splits import Splits, make_splits
from advseg.synthetic import SyntheticConfig, synthetic_timelapse
from advseg.targets import class_rgb, three_class_targets
from advseg.utils import get_device, seed_worker, set_seed

__all__ = [
    "__version__",
    "CropSampler",
    "DataConfig",
    "Dataset",
    "PaperProtocol",
    "Sample",
    "Splits",
    "SyntheticConfig",
    "class_rgb",
    "get_device",
    "load_dataset",
    "make_splits",
    "paper_protocol",
    "seed_worker",
    "set_seed",
    "synthetic_h1299",
    "synthetic_timelapse",
    "three_class_targets",
]
