"""An H1299-like synthetic fluorescence time-lapse with exact instance labels.

The paper's H1299 data (72 frames of 512x640, about 50 nuclei each) was never
published. :func:`synthetic_timelapse` makes a stand-in with the same geometry
and the same main difficulty (adjacent nuclei), deterministically for a seed:

1. *Geometry.* Each nucleus is an ellipse (semi-axes ``a``, ``b``, angle
   ``theta``) whose radius is modulated by a few smooth harmonics,
   ``r(phi) = 1 + sum_k c_k cos(k phi + p_k)``. A pixel's normalised distance
   ``d = rho / r(phi)`` is below 1 inside; where two nuclei claim a pixel the
   one with the smaller ``d`` owns it, so overlapping nuclei meet along a
   clean boundary, as touching nuclei do.
2. *Crowding.* Some nuclei start as touching or nearly touching pairs that
   move together; every frame has several. A few nuclei divide into two
   touching daughters of half the area.
3. *Motion.* Damped random walks with soft repulsion between groups.
4. *Appearance.* Per-nucleus brightness (log-normal), a soft edge, a brighter
   rim, darker nucleoli, smooth chromatin texture, slow photobleaching, an
   uneven background and vignetted illumination, Gaussian optical blur, and
   Poisson-Gaussian camera noise, quantised to 16 bits.

Labels are drawn before blur and noise, so they are exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage as ndi

from advseg.data.imaging import expose, uneven_fields

__all__ = ["SyntheticConfig", "SyntheticMovie", "synthetic_timelapse"]

GENERATOR_VERSION = 1  # bump when the generative model changes (invalidates caches)


@dataclass(frozen=True)
class SyntheticConfig:
    """Parameters of the H1299-like generative model (defaults mirror the paper's data)."""

    n_frames: int = 72  # frames in the time-lapse
    height: int = 512  # frame height, px
    width: int = 640  # frame width, px
    n_nuclei: int = 44  # nuclei placed in the first frame (divisions add a few)
    n_pairs: int = 8  # of those, touching or nearly touching pairs (2 nuclei each)
    n_divisions: int = 5  # divisions over the movie
    radius_mean: float = 11.5  # mean semi-major axis, px
    radius_sd: float = 2.2  # spread of the semi-major axis, px
    aspect_max: float = 1.6  # largest ratio of the semi-axes
    wobble: float = 0.06  # amplitude of each shape harmonic (k = 2, 3, 4)
    speed: float = 0.5  # RMS random-walk step of a group, px per frame
    background: float = 320.0  # mean background level, counts
    signal: float = 1400.0  # mean nucleus brightness above background, counts
    brightness_sd: float = 0.35  # log-normal spread of nucleus brightness
    rim: float = 0.25  # relative brightening just inside the nuclear edge
    texture: float = 0.12  # relative amplitude of chromatin texture
    bleaching: float = 0.003  # relative signal loss per frame
    blur_sigma: float = 1.3  # optical blur, px
    adu_per_electron: float = 3.0  # camera gain: counts per photo-electron (Poisson part)
    read_noise: float = 12.0  # Gaussian read noise, counts
    offset: float = 100.0  # camera offset, counts

    def __post_init__(self) -> None:
        for name in ("n_frames", "height", "width", "n_nuclei"):
            if getattr(self, name) < 1:
                raise ValueError(f"`{name}` must be at least 1, got {getattr(self, name)}")
        if not 0 <= 2 * self.n_pairs <= self.n_nuclei:
            raise ValueError(
                f"`n_pairs` must be between 0 and n_nuclei/2 = {self.n_nuclei // 2}, got {self.n_pairs}"
            )


@dataclass(frozen=True, eq=False)
class SyntheticMovie:
    """A generated time-lapse.

    Attributes
    ----------
    images : (T, H, W) ndarray of uint16
        Camera frames.
    labels : (T, H, W) ndarray of uint16
        Instance labels; 0 is background, ids persist across frames (a track id).
    config : SyntheticConfig
    seed : int
    """

    images: np.ndarray
    labels: np.ndarray
    config: SyntheticConfig
    seed: int
    divisions: list[tuple[int, int]] = field(default_factory=list)  # (frame, mother id)
    extras: dict = field(default_factory=dict)  # what a generator version records besides (version 2: defocused ids, debris)


@dataclass
class _Nucleus:
    """Mutable state of one nucleus (internal)."""

    track_id: int
    y: float
    x: float
    a: float  # semi-major axis
    b: float  # semi-minor axis
    theta: float  # orientation
    harmonics: np.ndarray  # (K, 3): order k, amplitude, phase
    brightness: float
    nucleoli: np.ndarray  # (M, 4): u, v (nucleus-normalised), sigma (normalised), depth
    group: int  # nuclei of one group move together


def synthetic_timelapse(config: SyntheticConfig | None = None, *, seed: int = 0) -> SyntheticMovie:
    """Generate an H1299-like fluorescence time-lapse with exact instance labels.

    Parameters
    ----------
    config : SyntheticConfig, optional
        The generative model's parameters; the defaults give 72 frames of 512x640.
    seed : int, optional
        Seed; the same seed gives identical bytes.

    Returns
    -------
    SyntheticMovie
        ``images`` and ``labels``, both (T, H, W) uint16.

    Examples
    --------
    >>> movie = synthetic_timelapse(SyntheticConfig(n_frames=2, height=96, width=128, n_nuclei=6, n_pairs=1, n_divisions=0))
    >>> movie.images.shape, movie.images.dtype.name, movie.labels.dtype.name
    ((2, 96, 128), 'uint16', 'uint16')
    """
    config = config or SyntheticConfig()
    rng = np.random.default_rng(seed)
    H, W, T = config.height, config.width, config.n_frames
    nuclei = _place_nuclei(config, rng)
    next_id = max(n.track_id for n in nuclei) + 1
    velocity: dict[int, np.ndarray] = {n.group: np.zeros(2) for n in nuclei}
    singles = [n for n in nuclei if sum(m.group == n.group for m in nuclei) == 1]
    division_frames = sorted(rng.choice(np.arange(1, T), size=min(config.n_divisions, T - 1), replace=False)) if T > 1 else []
    background, illumination = uneven_fields(config.height, config.width, background=config.background, rng=rng)

    images = np.empty((T, H, W), np.uint16)
    labels = np.empty((T, H, W), np.uint16)
    divisions: list[tuple[int, int]] = []
    for t in range(T):
        if t in division_frames and singles:
            mother = singles.pop(int(rng.integers(len(singles))))
            nuclei.remove(mother)
            daughters = _divide(mother, next_id, rng)
            next_id += 2
            nuclei.extend(daughters)
            velocity[daughters[0].group] = velocity.pop(mother.group, np.zeros(2))
            divisions.append((t, mother.track_id))
        if t > 0:
            _move(nuclei, velocity, config, rng)
        labels[t], signal = _render(nuclei, config, rng)
        images[t] = expose(signal, background, illumination, bleach=(1.0 - config.bleaching) ** t, gain=config.signal,
                           blur_sigma=config.blur_sigma, adu_per_electron=config.adu_per_electron, offset=config.offset,
                           read_noise=config.read_noise, rng=rng)
    return SyntheticMovie(images=images, labels=labels, config=config, seed=seed, divisions=divisions)


def _random_nucleus(track_id: int, group: int, y: float, x: float, config: SyntheticConfig, rng: np.random.Generator) -> _Nucleus:
    a = float(np.clip(rng.normal(config.radius_mean, config.radius_sd), 6.0, 2.0 * config.radius_mean))
    b = a / rng.uniform(1.0, config.aspect_max)
    orders = np.array([2.0, 3.0, 4.0])
    harmonics = np.stack([orders, rng.uniform(0.3, 1.0, 3) * config.wobble / np.sqrt(orders - 1), rng.uniform(0, 2 * np.pi, 3)], axis=1)
    n_nucleoli = int(rng.integers(1, 4))
    radius = np.sqrt(rng.uniform(0, 0.35, n_nucleoli))
    angle = rng.uniform(0, 2 * np.pi, n_nucleoli)
    nucleoli = np.stack([radius * np.cos(angle), radius * np.sin(angle), rng.uniform(0.12, 0.22, n_nucleoli), rng.uniform(0.25, 0.5, n_nucleoli)], axis=1)
    brightness = float(np.exp(rng.normal(0.0, config.brightness_sd)))
    return _Nucleus(track_id, y, x, a, b, float(rng.uniform(0, np.pi)), harmonics, brightness, nucleoli, group)


def _place_nuclei(config: SyntheticConfig, rng: np.random.Generator) -> list[_Nucleus]:
    """Rejection-sample non-overlapping groups; the first ``n_pairs`` groups are pairs."""
    nuclei: list[_Nucleus] = []
    margin = config.radius_mean
    n_groups = config.n_nuclei - config.n_pairs
    for group in range(n_groups):
        for _ in range(200):
            y, x = rng.uniform(margin, config.height - margin), rng.uniform(margin, config.width - margin)
            first = _random_nucleus(len(nuclei) + 1, group, y, x, config, rng)
            members = [first]
            if group < config.n_pairs:
                second = _random_nucleus(len(nuclei) + 2, group, y, x, config, rng)
                direction = rng.uniform(0, 2 * np.pi)
                # distance between centres: 0.85 (pressed together) to 1.08 (a 1-2 px gap) of the radii sum
                distance = rng.uniform(0.85, 1.08) * (_radius_towards(first, direction) + _radius_towards(second, direction + np.pi))
                second.y, second.x = y + distance * np.sin(direction), x + distance * np.cos(direction)
                members.append(second)
            if all(_clear_of(m, nuclei, 1.15) for m in members):
                nuclei.extend(members)
                break
    return nuclei


def _radius_towards(nucleus: _Nucleus, direction: float) -> float:
    """Ellipse radius of ``nucleus`` along the image-space ``direction``."""
    phi = direction - nucleus.theta
    return 1.0 / math.sqrt((math.cos(phi) / nucleus.a) ** 2 + (math.sin(phi) / nucleus.b) ** 2)


def _clear_of(nucleus: _Nucleus, others: list[_Nucleus], factor: float) -> bool:
    return all(math.hypot(nucleus.y - o.y, nucleus.x - o.x) > factor * (nucleus.a + o.a) for o in others)


def _divide(mother: _Nucleus, next_id: int, rng: np.random.Generator) -> list[_Nucleus]:
    """Two daughters of half the mother's area, side by side along its major axis."""
    a, b = mother.a / math.sqrt(2.0), mother.b / math.sqrt(2.0)
    daughters = []
    for k, sign in enumerate((-1.0, 1.0)):
        # daughters divide perpendicular to the mother's major axis and touch
        offset = sign * 0.95 * b
        d = _Nucleus(
            track_id=next_id + k,
            y=mother.y + offset * math.sin(mother.theta),
            x=mother.x + offset * math.cos(mother.theta),
            a=max(a, b * 1.05),
            b=b,
            theta=mother.theta + math.pi / 2,
            harmonics=mother.harmonics.copy(),
            brightness=mother.brightness * float(np.exp(rng.normal(0, 0.1))),
            nucleoli=mother.nucleoli[:1].copy(),
            group=mother.group,
        )
        daughters.append(d)
    return daughters


def _move(nuclei: list[_Nucleus], velocity: dict[int, np.ndarray], config: SyntheticConfig, rng: np.random.Generator) -> None:
    """One damped random-walk step per group, then soft repulsion between groups."""
    for group in sorted(velocity):
        velocity[group] = 0.8 * velocity[group] + rng.normal(0.0, config.speed * 0.6, 2)
    spin = {group: rng.normal(0.0, 0.02) for group in sorted(velocity)}
    centres: dict[int, tuple[float, float]] = {}
    for group in velocity:
        members = [n for n in nuclei if n.group == group]
        centres[group] = (float(np.mean([n.y for n in members])), float(np.mean([n.x for n in members])))
    for n in nuclei:
        cy, cx = centres[n.group]
        c, s = math.cos(spin[n.group]), math.sin(spin[n.group])
        dy, dx = n.y - cy, n.x - cx
        n.y = cy + s * dx + c * dy + velocity[n.group][0]
        n.x = cx + c * dx - s * dy + velocity[n.group][1]
        n.theta += spin[n.group]
    for i, n in enumerate(nuclei):
        for m in nuclei[i + 1 :]:
            if n.group == m.group:
                continue
            gap = 1.05 * (n.a + m.a) - math.hypot(n.y - m.y, n.x - m.x)
            if gap > 0:
                dy, dx = n.y - m.y, n.x - m.x
                norm = math.hypot(dy, dx) or 1.0
                push = 0.25 * gap / norm
                n.y, n.x, m.y, m.x = n.y + push * dy, n.x + push * dx, m.y - push * dy, m.x - push * dx
    for n in nuclei:  # keep nuclei in view (reflecting walls)
        n.y = float(np.clip(n.y, 2.0, config.height - 3.0))
        n.x = float(np.clip(n.x, 2.0, config.width - 3.0))


def _render(nuclei: list[_Nucleus], config: SyntheticConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Exact labels (H, W) uint16 and the noiseless nuclear signal (H, W) float32."""
    H, W = config.height, config.width
    best = np.full((H, W), np.inf, np.float32)  # normalised distance to the owning nucleus
    labels = np.zeros((H, W), np.uint16)
    signal = np.zeros((H, W), np.float32)
    texture = ndi.gaussian_filter(rng.standard_normal((H, W)).astype(np.float32), 2.0)
    texture = 1.0 + config.texture * texture / (texture.std() + 1e-6)
    for n in nuclei:
        reach = int(math.ceil(1.6 * n.a * (1 + n.harmonics[:, 1].sum()))) + 2
        y0, y1 = max(int(n.y) - reach, 0), min(int(n.y) + reach + 1, H)
        x0, x1 = max(int(n.x) - reach, 0), min(int(n.x) + reach + 1, W)
        if y0 >= y1 or x0 >= x1:
            continue
        dy = np.arange(y0, y1, dtype=np.float32)[:, None] - n.y  # (h, 1)
        dx = np.arange(x0, x1, dtype=np.float32)[None, :] - n.x  # (1, w)
        c, s = math.cos(n.theta), math.sin(n.theta)
        u, v = (dx * c + dy * s) / n.a, (-dx * s + dy * c) / n.b  # (h, w) nucleus frame
        phi = np.arctan2(v, u)
        radius = 1.0 + sum(amp * np.cos(k * phi + phase) for k, amp, phase in n.harmonics)
        d = np.sqrt(u * u + v * v) / radius  # (h, w); < 1 inside
        window = best[y0:y1, x0:x1]
        claim = (d < 1.6) & (d < window)
        if not claim.any():
            continue
        edge = 1.0 / (1.0 + np.exp((d - 1.0) * 14.0))  # soft edge, 0.5 at d = 1
        rim = 1.0 + config.rim * np.exp(-(((d - 0.88) / 0.08) ** 2))
        dips = np.ones_like(d)
        for nu, nv, sigma, depth in n.nucleoli:
            dips -= depth * np.exp(-((u - nu) ** 2 + (v - nv) ** 2) / (2 * sigma**2))
        local = (n.brightness * edge * rim * dips).astype(np.float32)
        window[claim] = d[claim]
        signal[y0:y1, x0:x1][claim] = local[claim]
        inside = claim & (d < 1.0)
        label_window = labels[y0:y1, x0:x1]
        label_window[claim] = 0
        label_window[inside] = n.track_id
    return labels, signal * texture
