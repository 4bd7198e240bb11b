"""How training samples are drawn from annotated frames: one frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DataConfig"]


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
    normalize: str = "none"  # "none" (original code), "percentile" (per-image scaling), "robust" (advseg.data.contrast)
    # or "flat" (uneven illumination subtracted, then percentiles: advseg.data.background)
    percentiles: tuple[float, float] = (1.0, 99.8)  # low/high percentiles for "percentile" (and "robust")
    intensity_augment: bool = False  # random blur, gamma, gain, offset and noise per crop (advseg.data.intensity)
    scale_augment: float = 1.0  # crops zoomed by a factor drawn log-uniformly from [1/s, s]; 1 = no zoom
    train_diameter: float = 0.0  # train at one nucleus size: each frame rescaled so its median nucleus is this many px (0: off)

    @property
    def host_only(self) -> bool:
        """Whether crops need the host sampler: arbitrary rotation, zoom or intensity augmentation."""
        return self.rotate or self.scale_augment > 1 or self.intensity_augment

    def __post_init__(self) -> None:
        from advseg.data.augment import NORMALIZERS

        if self.crop_size < 1:
            raise ValueError(f"`crop_size` must be a positive number of pixels, got {self.crop_size}")
        if self.normalize not in NORMALIZERS:
            raise ValueError(f"`normalize` must be one of {sorted(NORMALIZERS)}, got {self.normalize!r}")
        if len(self.percentiles) != 2:
            raise ValueError(f"`percentiles` must be two numbers (low, high), got {list(self.percentiles)}")
        low, high = self.percentiles
        if not 0 <= low < high <= 100:
            raise ValueError(f"`percentiles` must satisfy 0 <= low < high <= 100, got {self.percentiles}")
        if not 1.0 <= self.scale_augment <= 4.0:
            raise ValueError(f"`scale_augment` must be a zoom factor from 1 (off) to 4, got {self.scale_augment}")
        if self.train_diameter != 0.0 and not 4.0 <= self.train_diameter <= 256.0:
            raise ValueError(f"`train_diameter` must be 0 (off) or a nucleus diameter from 4 to 256 px, got {self.train_diameter}")
        if self.scale_augment > 1.0 and self.rotate:
            raise ValueError("`scale_augment` and `rotate` cannot be combined; choose one")
