"""advseg: microscopy cell segmentation via adversarial neural networks.

A PyTorch reproduction of Arbelle & Riklin Raviv (2017), "Microscopy Cell
Segmentation via Adversarial Neural Networks": an estimator network segments
nuclei into background / interior / contour, and a "rib cage" discriminator
learns to tell manual from estimated segmentations.
"""

from __future__ import annotations

__version__ = "0.1.0"

from advseg.utils import get_device, seed_worker, set_seed

__all__ = [
    "__version__",
    "get_device",
    "seed_worker",
    "set_seed",
]
