"""The field's peer: Cellpose 3 trained from random initialisation on exactly the frames our cells use.

Cellpose (Stringer et al. 2021; Pachitariu & Stringer 2022; Stringer & Pachitariu
2024) predicts, for every pixel, a flow field pointing towards the centre of
its nucleus and a cell probability, and makes instances by following the flows;
it is the modern reference for nucleus and cell segmentation. Here it is used
as a baseline the way a user would train it on their own few frames: its own
network, its own training loop (AdamW-style RAdam, learning rate 0.005, crops
of 112 px, 8 crops an epoch), no pretrained weights, nothing downloaded; its
diameter is the median of the training annotations, so training and
segmentation happen at the frames' own scale.

Cellpose is an optional dependency (``requirements-peer.txt``: it caps numpy
below 2.1 in its metadata but runs with the project's numpy, so it is installed
with ``--no-deps``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence

import numpy as np

from advseg.data.datasets import Sample
from advseg.data.diameter import median_diameter

__all__ = ["CellposeScratch"]

INSTALL = "pip install --no-deps -r requirements-peer.txt"


class CellposeScratch:
    """Cellpose 3's CNN trained from scratch on a few annotated frames.

    Parameters
    ----------
    epochs : int
        Training epochs of ``crops_per_epoch`` crops each (Cellpose's own loop).
    crops_per_epoch : int
    crop_size : int
        Side of Cellpose's training crops, px.
    learning_rate : float
    seed : int
        Seeds the network's initialisation and Cellpose's crop draws.
    """

    name = "cellpose-scratch"

    def __init__(self, *, epochs: int = 520, crops_per_epoch: int = 8, crop_size: int = 112, learning_rate: float = 0.005,
                 seed: int = 0) -> None:
        if epochs < 1 or crops_per_epoch < 1 or crop_size < 16:
            raise ValueError(f"`epochs` and `crops_per_epoch` must be at least 1 and `crop_size` at least 16, got "
                             f"{epochs}, {crops_per_epoch}, {crop_size}")
        self.epochs, self.crops_per_epoch, self.crop_size = epochs, crops_per_epoch, crop_size
        self.learning_rate, self.seed = learning_rate, seed
        self.model = None
        self.diameter: float | None = None

    @staticmethod
    def require() -> None:
        """Raise a one-line ImportError naming the install command if Cellpose is missing."""
        try:
            import cellpose.models  # noqa: F401
            import cellpose.train  # noqa: F401
        except ImportError as error:
            raise ImportError(f"the cellpose-scratch baseline needs Cellpose 3: {INSTALL}") from error

    def fit(self, samples: Sequence[Sample]) -> CellposeScratch:
        """Train on the annotated frames (their images and instance labels)."""
        self.require()
        import torch
        from cellpose import models, train
        if not samples:
            raise ValueError("`samples` must hold at least one annotated frame, got none")
        self.diameter = median_diameter([s.labels for s in samples])
        np.random.seed(self.seed)  # Cellpose draws its crops and augmentations from NumPy's global generator
        torch.manual_seed(self.seed)
        self.model = models.CellposeModel(gpu=False, pretrained_model=False, model_type=None, diam_mean=self.diameter, nchan=2)
        with tempfile.TemporaryDirectory() as folder:  # Cellpose saves its weights; the trained net stays in memory
            train.train_seg(
                self.model.net, train_data=[s.image for s in samples], train_labels=[s.labels for s in samples],
                channels=[0, 0], normalize=True, n_epochs=self.epochs, learning_rate=self.learning_rate, weight_decay=1e-5,
                batch_size=8, bsize=self.crop_size, nimg_per_epoch=self.crops_per_epoch, min_train_masks=1,
                save_path=folder, save_every=self.epochs + 1, model_name="scratch",
            )
        return self

    def predict_labels(self, image: np.ndarray, *, method: str = "own") -> np.ndarray:
        """Instance labels of one frame, by Cellpose's own flow following (``method`` is ignored).

        Returns
        -------
        (H, W) ndarray of int32
        """
        if self.model is None:
            raise ValueError("the cellpose-scratch baseline must be fitted before it predicts")
        masks = self.model.eval(np.asarray(image, dtype=np.float32), channels=[0, 0], diameter=self.diameter)[0]
        return np.asarray(masks, dtype=np.int32)
