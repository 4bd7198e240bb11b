"""Training crops drawn where the network runs: frames resident on the device, one gather per batch.

:class:`advseg.data.sampler.CropSampler` cuts crops in NumPy, one at a time, and
the trainer copies each batch to the device. On a GPU at the paper's batch of
100 crops that copy and the Python loop cost more than the step itself.
:class:`DeviceCropSampler` keeps every normalised frame and its three-class
target on the device (zero-padded to a common size), draws the frame, the
offsets and one of the 8 dihedral transforms for the whole batch with a torch
generator on that device, and cuts and transforms all crops with a single
gather: a dihedral transform of a crop is a fixed permutation of its pixels, so
the source coordinates of every output pixel are precomputed for the 8
transforms. Same distribution as the host sampler (uniform frame, uniform
position, uniform transform); no host synchronisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from advseg.data.augment import dihedral, normalize
from advseg.data.config import DataConfig
from advseg.data.datasets import Sample
from advseg.data.sampler import check_frames
from advseg.data.targets import three_class_targets

__all__ = ["DeviceCropSampler", "dihedral_index_maps"]


def dihedral_index_maps(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Source row and column of every output pixel under each of the 8 dihedral transforms.

    Parameters
    ----------
    size : int
        Side of the square crop.

    Returns
    -------
    rows, cols : (8, size, size) tensors of int64
        ``dihedral(crop, k)[i, j] == crop[rows[k, i, j], cols[k, i, j]]``.
    """
    r, c = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    rows = np.stack([dihedral(r, k) for k in range(8)])
    cols = np.stack([dihedral(c, k) for k in range(8)])
    return torch.from_numpy(np.ascontiguousarray(rows)), torch.from_numpy(np.ascontiguousarray(cols))


class DeviceCropSampler:
    """Draw batches of (image, three-class target) crops on ``device``.

    Parameters
    ----------
    samples : sequence of Sample
        The annotated frames to train on.
    config : DataConfig, optional
        Crop size, dihedral transforms and normalisation; arbitrary rotation,
        zoom and intensity augmentation are host-only (refused here).
    device : torch.device or str, optional
    seed : int, optional
        Seed of the sampler's own torch generator on ``device``.

    Raises
    ------
    ValueError
        If ``samples`` is empty, a frame is smaller than the crop, or the
        configuration asks for a host-only augmentation.

    Examples
    --------
    >>> labels = np.zeros((80, 80), np.int32); labels[20:40, 20:40] = 1
    >>> sampler = DeviceCropSampler([Sample("a", np.ones((80, 80), np.float32), labels, "uint8")], seed=0)
    >>> images, targets = sampler.sample(4)
    >>> tuple(images.shape), images.dtype, tuple(targets.shape), targets.dtype
    ((4, 1, 64, 64), torch.float32, (4, 64, 64), torch.int64)
    """

    def __init__(self, samples: Sequence[Sample], *, config: DataConfig | None = None,
                 device: torch.device | str = "cpu", seed: int = 0) -> None:
        self.config = config or DataConfig()
        if self.config.host_only:
            raise ValueError("the device sampler draws crops with dihedral transforms only; `rotate`, `scale_augment` and "
                             "`intensity_augment` need the host sampler (sampler='host')")
        size = self.config.crop_size
        check_frames(samples, size)
        self.device = torch.device(device)
        self.names = [sample.name for sample in samples]
        H = max(sample.image.shape[0] for sample in samples)
        W = max(sample.image.shape[1] for sample in samples)
        images = np.zeros((len(samples), H, W), np.float32)
        targets = np.zeros((len(samples), H, W), np.int64)
        for i, sample in enumerate(samples):
            h, w = sample.image.shape
            images[i, :h, :w] = normalize(sample.image, mode=self.config.normalize, percentiles=self.config.percentiles)
            targets[i, :h, :w] = three_class_targets(sample.labels)
        self.images = torch.from_numpy(images).to(self.device)  # (N, H, W)
        self.targets = torch.from_numpy(targets).to(self.device)  # (N, H, W)
        # positions a crop may start at, per frame: 0 .. h - size
        spans = [(s.image.shape[0] - size + 1, s.image.shape[1] - size + 1) for s in samples]
        self._spans = torch.tensor(spans, dtype=torch.float64, device=self.device)  # (N, 2)
        rows, cols = dihedral_index_maps(size)
        if not self.config.dihedral:
            rows, cols = rows[:1], cols[:1]
        self._rows, self._cols = rows.to(self.device), cols.to(self.device)  # (8 or 1, S, S)
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(seed)

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def crops(self, frames: torch.Tensor, ys: torch.Tensor, xs: torch.Tensor, ks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Cut and transform given crops: frame ``frames[b]`` at ``(ys[b], xs[b])``, dihedral transform ``ks[b]``.

        Parameters
        ----------
        frames, ys, xs, ks : (B,) tensors of int64 on the sampler's device

        Returns
        -------
        images : (B, 1, S, S) float32, channels-last
        targets : (B, S, S) int64
        """
        rows = ys[:, None, None] + self._rows[ks]  # (B, S, S)
        cols = xs[:, None, None] + self._cols[ks]
        index = frames[:, None, None]
        images = self.images[index, rows, cols]
        targets = self.targets[index, rows, cols]
        return images[:, None].contiguous(memory_format=torch.channels_last), targets

    def sample(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw one batch on the device.

        Returns
        -------
        images : (B, 1, S, S) tensor of float32, channels-last
        targets : (B, S, S) tensor of int64
        """
        if batch_size < 1:
            raise ValueError(f"`batch_size` must be at least 1, got {batch_size}")
        g, device = self.generator, self.device
        frames = torch.randint(len(self), (batch_size,), generator=g, device=device)
        where = torch.rand(batch_size, 2, generator=g, device=device, dtype=torch.float64) * self._spans[frames]
        ks = torch.randint(self._rows.shape[0], (batch_size,), generator=g, device=device)
        ys, xs = where.floor().long().unbind(dim=1)
        return self.crops(frames, ys, xs, ks)

    def state_dict(self) -> dict[str, Any]:
        """The generator's state, for checkpoints."""
        return {"torch_generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the generator's state saved by :meth:`state_dict`."""
        if "torch_generator" not in state:
            raise ValueError("the checkpoint's crops were drawn by the host sampler; resume with --set sampler=host")
        self.generator.set_state(state["torch_generator"].cpu())
