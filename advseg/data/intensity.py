"""Intensity augmentation of training crops: so that a model does not learn one brightness.

Normalisation (:mod:`advseg.data.contrast`) removes most differences of gain and
offset between microscopes, but not all: a nucleus level measured on a crowded
frame, a dim frame with few grey levels, a blurrier objective. Each crop therefore
gets, each with probability ``p``, a random blur, gamma, gain, offset and noise,
applied to its normalised intensities, in that order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

__all__ = ["IntensityAugment", "augment_intensity"]


@dataclass(frozen=True)
class IntensityAugment:
    """Ranges of the random intensity changes (normalised units: background 0, nucleus about 1)."""

    gain: tuple[float, float] = (0.67, 1.5)  # multiplicative factor, drawn log-uniformly
    offset: float = 0.1  # added constant, uniform in [-offset, offset]
    gamma: tuple[float, float] = (0.7, 1.4)  # exponent on positive values, drawn log-uniformly
    noise: float = 0.05  # standard deviation of added Gaussian noise, uniform in [0, noise]
    blur: float = 1.0  # Gaussian blur sigma, px, uniform in [0, blur]
    p: float = 0.5  # probability of each change

    def __post_init__(self) -> None:
        for name in ("gain", "gamma"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f"`{name}` must be a range (low, high) with 0 < low <= high, got {getattr(self, name)}")
        for name in ("offset", "noise", "blur"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"`{name}` must be at least 0, got {getattr(self, name)}")
        if not 0 <= self.p <= 1:
            raise ValueError(f"`p` must be a probability in [0, 1], got {self.p}")


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]))))


def augment_intensity(image: np.ndarray, rng: np.random.Generator, *, config: IntensityAugment | None = None) -> np.ndarray:
    """A randomly blurred, gamma-corrected, scaled, shifted and noisier copy of a normalised crop.

    Parameters
    ----------
    image : (H, W) ndarray of float32
        A normalised crop; it is not modified.
    rng : numpy.random.Generator
        Every draw comes from it (a fixed number per call, whatever is applied,
        so the crops drawn after it do not depend on which changes fired).
    config : IntensityAugment, optional

    Returns
    -------
    (H, W) ndarray of float32

    Examples
    --------
    >>> crop = np.zeros((8, 8), np.float32); crop[2:6, 2:6] = 1.0
    >>> out = augment_intensity(crop, np.random.default_rng(0))
    >>> out.shape, out.dtype.name, bool(np.array_equal(crop[2:6, 2:6], np.ones((4, 4))))
    ((8, 8), 'float32', True)
    """
    config = config or IntensityAugment()
    fire = rng.random(5) < config.p  # blur, gamma, gain, offset, noise
    sigma = rng.uniform(0.0, config.blur)
    gamma = _log_uniform(rng, config.gamma)
    gain = _log_uniform(rng, config.gain)
    offset = rng.uniform(-config.offset, config.offset)
    noise_sd = rng.uniform(0.0, config.noise)
    noise_seed = int(rng.integers(2**31))
    out = np.array(image, dtype=np.float32)  # a copy: crops are views of the frame
    if fire[0] and sigma > 0:
        out = ndi.gaussian_filter(out, sigma, mode="reflect")
    if fire[1]:
        positive = out > 0
        out[positive] = out[positive] ** np.float32(gamma)
    if fire[2]:
        out *= np.float32(gain)
    if fire[3]:
        out += np.float32(offset)
    if fire[4] and noise_sd > 0:
        out += np.random.default_rng(noise_seed).normal(0.0, noise_sd, out.shape).astype(np.float32)
    return out
