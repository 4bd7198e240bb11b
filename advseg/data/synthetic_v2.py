"""Version 2 of the H1299-like movie: as hard as the paper's data, not just as large.

Version 1 (:mod:`advseg.data.synthetic`) has the paper's geometry but a
threshold solves it. Version 2 keeps the geometry (72 frames of 512x640,
about 50 nuclei, divisions, exact labels) and adds what makes the H1299
dynamic-proteomics movies hard:

1. *Clusters.* Nuclei are placed in touching clusters of two to four (about
   a quarter of them; divisions and chance meetings add more), so a third or
   more of the nuclei touch another; where two meet, their envelopes leave a
   dim seam (``seam``).
2. *Cell-to-cell brightness.* The tagged protein's level differs between
   cells: interphase brightness is log-uniform over a ``brightness_range``
   (6-fold; about 5-fold between the 5th and 95th percentile once measured),
   so the dimmest nuclei sit near the background.
3. *Mitosis.* Before dividing, a nucleus rounds up, shrinks and brightens
   (``mitotic_gain``); its two daughters are small and bright and relax to
   their interphase brightness over a few frames.
4. *Focus.* A few nuclei lie out of the focal plane and are blurred by
   ``defocus_sigma``; they are still annotated.
5. *Illumination.* Background and vignetted illumination drift slowly between
   two random fields over the movie.
6. *Camera.* Less signal and more read noise than version 1: a lower SNR.
7. *Debris.* Bright specks and irregular fragments that are not nuclei.

Shapes, motion, texture and rendering are version 1's; labels are drawn before
blur and noise, so they are exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from advseg.data.imaging import expose, uneven_fields
from advseg.data.synthetic import SyntheticMovie, _clear_of, _divide, _move, _Nucleus, _radius_towards, _random_nucleus, _render

__all__ = ["GENERATOR_VERSION_2", "SyntheticConfigV2", "synthetic_timelapse_v2"]

GENERATOR_VERSION_2 = 2  # bump when version 2's generative model changes (invalidates caches)


@dataclass(frozen=True)
class SyntheticConfigV2:
    """Parameters of the version-2 generative model (defaults calibrated to the paper's Ilastik score)."""

    n_frames: int = 72  # frames in the time-lapse
    height: int = 512  # frame height, px
    width: int = 640  # frame width, px
    n_nuclei: int = 48  # nuclei placed in the first frame (divisions add a few)
    cluster_fraction: float = 0.25  # share of nuclei placed in touching clusters
    cluster_size_max: int = 4  # largest cluster
    seam: float = 0.5  # relative dimming where two nuclei meet (their envelopes), before blur
    press: float = 0.9  # closest centre distance in a cluster, as a fraction of the radii sum (1 = just touching)
    n_divisions: int = 10  # divisions over the movie
    mitosis_frames: int = 4  # frames a mother spends rounding up before it divides
    mitotic_gain: float = 2.5  # brightness of a mitotic nucleus relative to its interphase level
    mitotic_shrink: float = 0.75  # linear size of a mitotic nucleus relative to its interphase size
    relax_frames: int = 6  # frames over which daughters return to interphase brightness
    n_out_of_focus: int = 4  # nuclei lying out of the focal plane
    defocus_sigma: float = 3.5  # their extra blur, px
    n_debris: int = 12  # debris particles (specks and fragments, not nuclei)
    radius_mean: float = 11.5  # mean semi-major axis, px
    radius_sd: float = 2.2  # spread of the semi-major axis, px
    aspect_max: float = 1.6  # largest ratio of the semi-axes
    wobble: float = 0.06  # amplitude of each shape harmonic (k = 2, 3, 4)
    speed: float = 0.5  # RMS random-walk step of a group, px per frame
    background: float = 300.0  # mean background level, counts
    signal: float = 900.0  # brightest interphase nucleus above background, counts
    brightness_range: float = 6.0  # brightest / dimmest interphase nucleus
    rim: float = 0.25  # relative brightening just inside the nuclear edge
    texture: float = 0.15  # relative amplitude of chromatin texture
    bleaching: float = 0.004  # relative signal loss per frame
    blur_sigma: float = 1.5  # optical blur, px
    adu_per_electron: float = 3.0  # camera gain: counts per photo-electron (Poisson part)
    read_noise: float = 25.0  # Gaussian read noise, counts
    offset: float = 100.0  # camera offset, counts

    brightness_sd = 0.0  # version 1's log-normal spread, unused (brightness is drawn log-uniform)

    def __post_init__(self) -> None:
        for name in ("n_frames", "height", "width", "n_nuclei", "cluster_size_max", "mitosis_frames"):
            if getattr(self, name) < 1:
                raise ValueError(f"`{name}` must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.cluster_fraction <= 1.0:
            raise ValueError(f"`cluster_fraction` must be between 0 and 1, got {self.cluster_fraction}")
        if self.brightness_range < 1.0:
            raise ValueError(f"`brightness_range` must be at least 1, got {self.brightness_range}")


def synthetic_timelapse_v2(config: SyntheticConfigV2 | None = None, *, seed: int = 0) -> SyntheticMovie:
    """Generate a version-2 H1299-like time-lapse with exact instance labels.

    Parameters
    ----------
    config : SyntheticConfigV2, optional
        The generative model's parameters; the defaults give 72 frames of 512x640.
    seed : int, optional
        Seed; the same seed gives identical bytes.

    Returns
    -------
    SyntheticMovie
        ``images`` and ``labels``, both (T, H, W) uint16; ``config`` is the version-2 config.

    Examples
    --------
    >>> small = SyntheticConfigV2(n_frames=3, height=96, width=128, n_nuclei=6, n_divisions=1, mitosis_frames=1,
    ...                           n_out_of_focus=1, n_debris=2)
    >>> movie = synthetic_timelapse_v2(small, seed=0)
    >>> movie.images.shape, movie.images.dtype.name, movie.labels.dtype.name
    ((3, 96, 128), 'uint16', 'uint16')
    """
    config = config or SyntheticConfigV2()
    rng = np.random.default_rng(seed)
    H, W, T = config.height, config.width, config.n_frames
    nuclei = _place_clusters(config, rng)
    base = {n.track_id: n.brightness for n in nuclei}  # interphase brightness per track
    size = {n.track_id: (n.a, n.b) for n in nuclei}  # interphase semi-axes per track
    next_id = max(n.track_id for n in nuclei) + 1
    velocity = {n.group: np.zeros(2) for n in nuclei}
    defocused = {nuclei[i].track_id for i in rng.permutation(len(nuclei))[: config.n_out_of_focus]}
    schedule = _division_schedule(config, rng)
    mitotic: dict[int, int] = {}  # track id -> frames spent rounding up
    relaxing: dict[int, int] = {}  # track id -> frames since birth
    debris = _place_debris(config, rng)
    fields = [uneven_fields(H, W, background=config.background, rng=rng) for _ in range(2)]

    images = np.empty((T, H, W), np.uint16)
    labels = np.empty((T, H, W), np.uint16)
    debris_centres = np.empty((T, len(debris), 2), np.float32)  # (T, K, 2): y, x of each particle
    divisions: list[tuple[int, int]] = []
    for t in range(T):
        if t in schedule:
            candidates = [n for n in nuclei if n.track_id not in mitotic and n.track_id not in relaxing and n.track_id not in defocused]
            if candidates:
                mitotic[candidates[int(rng.integers(len(candidates)))].track_id] = 0
        for mother in [n for n in nuclei if mitotic.get(n.track_id, -1) >= config.mitosis_frames]:
            del mitotic[mother.track_id]
            nuclei.remove(mother)
            for daughter in _divide(mother, next_id, rng):
                base[daughter.track_id] = base[mother.track_id] * float(np.exp(rng.normal(0, 0.1)))
                size[daughter.track_id] = (daughter.a, daughter.b)
                relaxing[daughter.track_id] = 0
                nuclei.append(daughter)
            next_id += 2
            divisions.append((t, mother.track_id))
        if t > 0:
            _move(nuclei, velocity, config, rng)
        _update_states(nuclei, base, size, mitotic, relaxing, config)
        labels[t], signal = _render_focus(nuclei, defocused, config, rng)
        signal += _render_debris(debris, config, rng)
        debris_centres[t] = [blobs[:, :2].mean(axis=0) for blobs in debris] if debris else np.zeros((0, 2))
        w = 0.5 - 0.5 * math.cos(math.pi * t / max(T - 1, 1))  # smooth drift from the first field to the second
        background = (1 - w) * fields[0][0] + w * fields[1][0]
        illumination = (1 - w) * fields[0][1] + w * fields[1][1]
        images[t] = expose(signal, background, illumination, bleach=(1.0 - config.bleaching) ** t, gain=config.signal,
                           blur_sigma=config.blur_sigma, adu_per_electron=config.adu_per_electron, offset=config.offset,
                           read_noise=config.read_noise, rng=rng)
    return SyntheticMovie(images=images, labels=labels, config=config, seed=seed, divisions=divisions,
                          extras={"defocused": sorted(defocused), "debris": debris_centres})


def _place_clusters(config: SyntheticConfigV2, rng: np.random.Generator) -> list[_Nucleus]:
    """Rejection-sample clear groups; about ``cluster_fraction`` of the nuclei in touching clusters."""
    nuclei: list[_Nucleus] = []
    clustered_target = round(config.cluster_fraction * config.n_nuclei)
    margin = config.radius_mean
    group = 0
    for _ in range(40 * config.n_nuclei):
        if len(nuclei) >= config.n_nuclei:
            break
        clustered = sum(1 for n in nuclei if sum(m.group == n.group for m in nuclei) > 1)
        wanted = min(int(rng.integers(2, config.cluster_size_max + 1)), config.n_nuclei - len(nuclei)) if clustered < clustered_target else 1
        y, x = rng.uniform(margin, config.height - margin), rng.uniform(margin, config.width - margin)
        members = [_interphase_nucleus(len(nuclei) + 1, group, y, x, config, rng)]
        for k in range(1, max(wanted, 1)):
            member = _attach(members, len(nuclei) + k + 1, group, config, rng)
            if member is not None:
                members.append(member)
        if all(_clear_of(m, nuclei, 1.15) for m in members):
            nuclei.extend(members)
            group += 1
    return nuclei


def _interphase_nucleus(track_id: int, group: int, y: float, x: float, config: SyntheticConfigV2, rng: np.random.Generator) -> _Nucleus:
    nucleus = _random_nucleus(track_id, group, y, x, config, rng)  # type: ignore[arg-type]  # same field names
    nucleus.brightness = float(config.brightness_range ** -rng.uniform(0.0, 1.0))  # log-uniform in [1/range, 1]
    return nucleus


def _attach(members: list[_Nucleus], track_id: int, group: int, config: SyntheticConfigV2, rng: np.random.Generator) -> _Nucleus | None:
    """A nucleus pressed against a random member of ``members`` without overlapping the others much."""
    for _ in range(20):
        anchor = members[int(rng.integers(len(members)))]
        new = _interphase_nucleus(track_id, group, anchor.y, anchor.x, config, rng)
        direction = rng.uniform(0, 2 * np.pi)
        # centres at `press` (pressed together) to 1.0 (just touching) of the radii sum
        distance = rng.uniform(config.press, 1.0) * (_radius_towards(anchor, direction) + _radius_towards(new, direction + np.pi))
        new.y, new.x = anchor.y + distance * math.sin(direction), anchor.x + distance * math.cos(direction)
        if all(math.hypot(new.y - m.y, new.x - m.x) > 0.8 * (_radius_towards(m, 0.0) + new.b) for m in members if m is not anchor):
            return new
    return None


def _division_schedule(config: SyntheticConfigV2, rng: np.random.Generator) -> set[int]:
    """Frames at which a nucleus starts rounding up (it divides ``mitosis_frames`` later)."""
    last = config.n_frames - config.mitosis_frames - 1
    if last < 1:
        return set()
    return set(int(t) for t in rng.choice(np.arange(0, last), size=min(config.n_divisions, last), replace=False))


def _update_states(nuclei: list[_Nucleus], base: dict[int, float], size: dict[int, tuple[float, float]],
                   mitotic: dict[int, int], relaxing: dict[int, int], config: SyntheticConfigV2) -> None:
    """Advance mitosis (round up, shrink, brighten) and daughters' relaxation by one frame."""
    for n in nuclei:
        a0, b0 = size[n.track_id]
        if n.track_id in mitotic:
            mitotic[n.track_id] += 1
            f = mitotic[n.track_id] / config.mitosis_frames  # 0 -> 1 over the rounding up
            n.a = a0 * (1 - (1 - config.mitotic_shrink) * f)
            n.b = min(n.a, b0 + (n.a - b0) * f)  # the short axis catches up: round
            n.brightness = base[n.track_id] * (1 + (config.mitotic_gain - 1) * f)
        elif n.track_id in relaxing:
            f = min(relaxing[n.track_id] / config.relax_frames, 1.0)  # 0 at birth -> 1 relaxed
            n.brightness = base[n.track_id] * (config.mitotic_gain + (1 - config.mitotic_gain) * f)
            n.a, n.b = a0 * (1 + 0.25 * f), b0 * (1 + 0.25 * f)  # daughters grow a little
            relaxing[n.track_id] += 1
            if f >= 1.0:
                del relaxing[n.track_id]
                size[n.track_id] = (n.a, n.b)
        else:
            n.brightness = base[n.track_id]


def _render_focus(nuclei: list[_Nucleus], defocused: set[int], config: SyntheticConfigV2,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Labels (H, W) uint16 of all nuclei and their signal (H, W) float32, out-of-focus ones blurred."""
    sharp = [n for n in nuclei if n.track_id not in defocused]
    blurred = [n for n in nuclei if n.track_id in defocused]
    labels, signal = _render(sharp, config, rng)  # type: ignore[arg-type]
    if config.seam > 0:  # where two nuclei meet, their envelopes make a dim seam
        grown = ndi.grey_dilation(labels, size=3)
        signal = np.where((labels > 0) & (grown != labels), signal * (1 - config.seam), signal).astype(np.float32)
    if blurred:
        far_labels, far_signal = _render(blurred, config, rng)  # type: ignore[arg-type]
        labels = np.where(labels > 0, labels, far_labels)  # an in-focus nucleus hides one behind it
        signal = signal + ndi.gaussian_filter(far_signal, config.defocus_sigma) * 0.8
    return labels, signal


def _place_debris(config: SyntheticConfigV2, rng: np.random.Generator) -> list[np.ndarray]:
    """Debris particles: each (K, 4) blobs of y, x, sigma, amplitude; half single specks, half fragments."""
    particles = []
    for k in range(config.n_debris):
        y, x = rng.uniform(0, config.height), rng.uniform(0, config.width)
        n_blobs = 1 if k % 2 == 0 else int(rng.integers(3, 7))
        spread = 0.0 if n_blobs == 1 else 4.0
        blobs = np.stack([y + rng.normal(0, spread, n_blobs), x + rng.normal(0, spread, n_blobs),
                          rng.uniform(1.0, 2.5, n_blobs), rng.uniform(0.3, 2.0, n_blobs)], axis=1)
        particles.append(blobs)
    return particles


def _render_debris(particles: list[np.ndarray], config: SyntheticConfigV2, rng: np.random.Generator) -> np.ndarray:
    """Move each particle one small random step and draw it: (H, W) float32 signal."""
    H, W = config.height, config.width
    out = np.zeros((H, W), np.float32)
    for blobs in particles:
        blobs[:, :2] += rng.normal(0, 0.3, 2)  # the particle drifts as one piece
        for y, x, sigma, amplitude in blobs:
            r = int(3 * sigma) + 1
            y0, y1, x0, x1 = max(int(y) - r, 0), min(int(y) + r + 1, H), max(int(x) - r, 0), min(int(x) + r + 1, W)
            if y0 >= y1 or x0 >= x1:
                continue
            dy = np.arange(y0, y1, dtype=np.float32)[:, None] - y
            dx = np.arange(x0, x1, dtype=np.float32)[None, :] - x
            out[y0:y1, x0:x1] += amplitude * np.exp(-(dy * dy + dx * dx) / (2 * sigma * sigma))
    return out
