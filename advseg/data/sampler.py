"""Batches of augmented training crops drawn from the N_train annotated frames."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from skimage.transform import resize

from advseg.data.augment import dihedral, normalize, rotate_pair
from advseg.data.config import DataConfig
from advseg.data.datasets import Sample
from advseg.data.intensity import augment_intensity
from advseg.data.targets import three_class_targets

__all__ = ["CropSampler", "check_frames"]


def check_frames(samples: Sequence[Sample], crop_size: int) -> None:
    """Refuse no frames at all, or a frame smaller than the crop, in one line."""
    if len(samples) == 0:
        raise ValueError("`samples` must hold at least one annotated frame, got none")
    for sample in samples:
        if min(sample.image.shape) < crop_size:
            raise ValueError(
                f"crop size {crop_size} is larger than frame {sample.name!r} (shape {sample.image.shape}); "
                "choose a smaller `crop_size`"
            )


class CropSampler:
    """Draw random, augmented (image, three-class target) crops from a few frames.

    Frames are normalised and turned into targets once, at construction; each
    crop then costs a slice and a view, so sampling never limits a training step.
    The sampler owns its random generator, whose state is saved with a
    checkpoint so that a resumed run draws the same crops.

    Parameters
    ----------
    samples : sequence of Sample
        The annotated frames to train on (exactly these; nothing else is read).
    config : DataConfig, optional
        Crop size, augmentation and normalisation.
    seed : int, optional
        Seed of the sampler's own generator.

    Raises
    ------
    ValueError
        If ``samples`` is empty or a frame is smaller than the crop.

    Examples
    --------
    >>> labels = np.zeros((80, 80), np.int32); labels[20:40, 20:40] = 1
    >>> sampler = CropSampler([Sample("a", np.ones((80, 80), np.float32), labels, "uint8")], seed=0)
    >>> images, targets = sampler.sample(4)
    >>> images.shape, images.dtype.name, targets.shape, targets.dtype.name
    ((4, 1, 64, 64), 'float32', (4, 64, 64), 'int64')
    """

    def __init__(self, samples: Sequence[Sample], *, config: DataConfig | None = None, seed: int = 0) -> None:
        self.config = config or DataConfig()
        size = self.config.crop_size
        check_frames(samples, size)
        # with arbitrary rotation, cut a window large enough that the rotated crop has no empty corners
        self._window = math.ceil(size * math.sqrt(2.0)) + 2 if self.config.rotate else size
        self.names = [sample.name for sample in samples]
        self.images = [
            normalize(sample.image, mode=self.config.normalize, percentiles=self.config.percentiles) for sample in samples
        ]
        self.targets = [three_class_targets(sample.labels) for sample in samples]
        # zoomed crops get their targets from zoomed labels, so contours stay 1 px wide
        self.labels = [sample.labels for sample in samples] if self.config.scale_augment > 1 else []
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.images)

    def sample(self, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Draw one batch.

        Parameters
        ----------
        batch_size : int

        Returns
        -------
        images : (B, 1, S, S) ndarray of float32
        targets : (B, S, S) ndarray of int64
            Class indices (0 background, 1 interior, 2 contour).
        """
        if batch_size < 1:
            raise ValueError(f"`batch_size` must be at least 1, got {batch_size}")
        S = self.config.crop_size
        images = np.empty((batch_size, 1, S, S), np.float32)
        targets = np.empty((batch_size, S, S), np.int64)
        for b in range(batch_size):
            images[b, 0], targets[b] = self._crop()
        return images, targets

    def _zoomed(self, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """A window of the frame zoomed to the crop size by a random factor, with targets from zoomed labels."""
        S, rng, image = self.config.crop_size, self.rng, self.images[frame]
        factor = math.exp(rng.uniform(-math.log(self.config.scale_augment), math.log(self.config.scale_augment)))
        H, W = image.shape
        window = min(max(2, round(S / factor)), H, W)
        y, x = int(rng.integers(H - window + 1)), int(rng.integers(W - window + 1))
        labels = self.labels[frame][y : y + window, x : x + window]
        zoomed = resize(image[y : y + window, x : x + window], (S, S), order=1, preserve_range=True,
                        anti_aliasing=window > S).astype(np.float32)
        labels = resize(labels, (S, S), order=0, preserve_range=True, anti_aliasing=False).astype(labels.dtype)
        return zoomed, three_class_targets(labels)

    def _crop(self) -> tuple[np.ndarray, np.ndarray]:
        S, rng = self.config.crop_size, self.rng
        frame = int(rng.integers(len(self.images)))
        if self.config.scale_augment > 1:
            image, target = self._zoomed(frame)
        else:
            image, target = self.images[frame], self.targets[frame]
            H, W = image.shape
            window = self._window if min(H, W) >= self._window else S
            y, x = int(rng.integers(H - window + 1)), int(rng.integers(W - window + 1))
            image, target = image[y : y + window, x : x + window], target[y : y + window, x : x + window]
        if self.config.rotate:
            image, target = rotate_pair(image, target, float(rng.uniform(0.0, 360.0)))
            offset = (window - S) // 2
            image, target = image[offset : offset + S, offset : offset + S], target[offset : offset + S, offset : offset + S]
        if self.config.dihedral:
            k = int(rng.integers(8))
            image, target = dihedral(image, k), dihedral(target, k)
        if self.config.intensity_augment:  # draws only when on, so other runs keep their crops
            image = augment_intensity(image, rng)
        return image, target

    def state_dict(self) -> dict[str, Any]:
        """The generator's state, for checkpoints."""
        return {"bit_generator": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the generator's state saved by :meth:`state_dict`."""
        if "bit_generator" not in state:
            raise ValueError("the checkpoint's crops were drawn by the device sampler; resume with --set sampler=device")
        self.rng.bit_generator.state = state["bit_generator"]
