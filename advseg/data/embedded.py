"""The embedded default data set: the synthetic H1299-like time-lapse, made once and cached.

``synthetic_h1299()`` returns the 72-frame set with its paper protocol. Two
generator versions exist, each reachable by name: ``synthetic-h1299-v1`` (the
first, which a threshold solves) and ``synthetic-h1299-v2`` (calibrated to
the paper's Ilastik score); ``synthetic-h1299`` means the newest. The first
call generates the movie (a few seconds) and writes it in the folder layout
under ``data/synthetic-h1299-v<V>-seed<S>/`` (``images/``, ``masks/`` and
``protocol.json``); later calls read the cache, which is rebuilt when the
generator's version, seed or configuration changes.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock

from advseg.data.atomic import make_staging_dir, remove_stale_temporaries
from advseg.data.datasets import Dataset, Sample, load_dataset
from advseg.data.io import prepare_output_dir, write_tiff
from advseg.data.paths import default_data_dir
from advseg.data.protocol import PaperProtocol, paper_protocol
from advseg.data.synthetic import GENERATOR_VERSION, SyntheticConfig, SyntheticMovie, synthetic_timelapse
from advseg.data.synthetic_v2 import GENERATOR_VERSION_2, SyntheticConfigV2, synthetic_timelapse_v2
from advseg.utils import progress_bar

__all__ = ["SYNTHETIC_NAME", "SYNTHETIC_NAMES", "SYNTHETIC_VERSIONS", "SyntheticSet", "canonical_data", "frame_name",
           "synthetic_h1299", "synthetic_version", "write_synthetic"]

SYNTHETIC_NAME = "synthetic-h1299"  # the newest generator version, by the name the command line and notebooks use
SYNTHETIC_VERSIONS = {"synthetic-h1299-v1": 1, "synthetic-h1299-v2": 2}  # each generator version by name
SYNTHETIC_NAMES = (SYNTHETIC_NAME, *SYNTHETIC_VERSIONS)  # every name of the embedded set
LATEST_VERSION = 2
PROTOCOL_FILE = "protocol.json"
_GENERATORS = {1: (GENERATOR_VERSION, SyntheticConfig, synthetic_timelapse),
               2: (GENERATOR_VERSION_2, SyntheticConfigV2, synthetic_timelapse_v2)}  # version -> (model revision, config, generator)


def synthetic_version(data: str | os.PathLike) -> int | None:
    """The generator version a data name means, or ``None`` if it is not the embedded set.

    Examples
    --------
    >>> synthetic_version("synthetic-h1299"), synthetic_version("synthetic-h1299-v1"), synthetic_version("dsb2018")
    (2, 1, None)
    """
    name = str(data)
    if name == SYNTHETIC_NAME:
        return LATEST_VERSION
    return SYNTHETIC_VERSIONS.get(name)


def canonical_data(data: str | os.PathLike) -> str:
    """The versioned name of the embedded set (``synthetic-h1299`` -> ``synthetic-h1299-v2``); other data unchanged.

    Examples
    --------
    >>> canonical_data("synthetic-h1299"), canonical_data("dsb2018")
    ('synthetic-h1299-v2', 'dsb2018')
    """
    version = synthetic_version(data)
    return f"{SYNTHETIC_NAME}-v{version}" if version is not None else str(data)


def frame_name(frame: int) -> str:
    """File stem of a frame, e.g. ``frame_007``."""
    return f"frame_{frame:03d}"


@dataclass(frozen=True, eq=False)
class SyntheticSet:
    """The synthetic time-lapse as loaded pairs plus the paper protocol."""

    dataset: Dataset  # all frames, in time order
    protocol: PaperProtocol  # roles of the frames
    divisions: tuple[int, ...] = ()  # frames at which a nucleus divided

    def frames(self, indices: tuple[int, ...] | list[int]) -> tuple[Sample, ...]:
        """The samples of the given frame indices."""
        return self.dataset.subset([frame_name(i) for i in indices])

    def train(self, n_train: int) -> tuple[Sample, ...]:
        """The ``n_train`` annotated training frames."""
        return self.frames(self.protocol.train_frames(n_train))

    @property
    def validation(self) -> tuple[Sample, ...]:
        return self.frames(self.protocol.validation)

    @property
    def evaluation(self) -> tuple[Sample, ...]:
        return self.frames(self.protocol.evaluation)


def _description(movie: SyntheticMovie, protocol: PaperProtocol) -> dict:
    version = 2 if isinstance(movie.config, SyntheticConfigV2) else 1
    roles = {frame: "evaluation" for frame in protocol.evaluation}
    roles.update({frame: "validation" for frame in protocol.validation})
    roles.update({frame: "train_pool" for frame in protocol.train_pool})
    return {
        "name": f"{SYNTHETIC_NAME}-v{version}",
        "version": version,
        "generator_version": _GENERATORS[version][0],
        "seed": movie.seed,
        "config": asdict(movie.config),
        "protocol": protocol.to_dict(),
        "divisions": [list(map(int, event)) for event in movie.divisions],
        "roles": {frame_name(frame): roles[frame] for frame in range(movie.images.shape[0])},
    }


def write_synthetic(
    movie: SyntheticMovie,
    out_dir: str | os.PathLike,
    *,
    protocol: PaperProtocol | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> Path:
    """Write a movie in the folder layout: ``images/``, ``masks/`` and ``protocol.json``.

    Parameters
    ----------
    movie : SyntheticMovie
    out_dir : path-like
        Created if missing; must be empty unless ``overwrite``.
    protocol : PaperProtocol, optional
        Defaults to :func:`paper_protocol` with the movie's seed.
    overwrite : bool, optional
        Replace the files of an existing non-empty folder.
    progress : bool, optional
        Show a progress bar.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    FileExistsError
        If ``out_dir`` is a non-empty folder and ``overwrite`` is false.
    """
    out = prepare_output_dir(out_dir, overwrite=overwrite)
    T = movie.images.shape[0]
    protocol = protocol or paper_protocol(T, seed=movie.seed)
    for sub in ("images", "masks"):
        (out / sub).mkdir(parents=True, exist_ok=True)
        for old in (out / sub).glob("frame_*.tif"):  # a longer movie written here before: its extra frames go
            if old.stem[6:].isdigit() and int(old.stem[6:]) >= T:
                old.unlink()
    frames = progress_bar(range(T), desc=f"writing {out.name}", unit="frame", disable=not progress)
    for t in frames:
        write_tiff(out / "images" / f"{frame_name(t)}.tif", movie.images[t])
        write_tiff(out / "masks" / f"{frame_name(t)}.tif", movie.labels[t])
    (out / PROTOCOL_FILE).write_text(json.dumps(_description(movie, protocol), indent=1))
    return out


def _cache_is_current(folder: Path, seed: int, version: int, config: SyntheticConfig | SyntheticConfigV2) -> bool:
    try:
        meta = json.loads((folder / PROTOCOL_FILE).read_text())
    except (OSError, ValueError):
        return False
    return (meta.get("version", 1) == version and meta.get("generator_version") == _GENERATORS[version][0]
            and meta.get("seed") == seed and meta.get("config") == asdict(config))


def synthetic_h1299(
    *, seed: int = 0, version: int = LATEST_VERSION, config: SyntheticConfig | SyntheticConfigV2 | None = None,
    cache_dir: str | os.PathLike | None = None, progress: bool = False,
) -> SyntheticSet:
    """The embedded H1299-like set with its paper protocol, generated on first use.

    Parameters
    ----------
    seed : int, optional
        Seed of the movie and of the protocol's draw.
    version : int, optional
        Generator version: 2 (default, calibrated to the paper's Ilastik score) or 1.
    config : SyntheticConfig or SyntheticConfigV2, optional
        Generative model of that version; the default mirrors the paper's data (72 frames, 512x640).
    cache_dir : path-like, optional
        Parent folder of the cache; ``data/`` in the repository by default
        (or ``$ADVSEG_DATA``).
    progress : bool, optional
        Show progress bars while generating and reading.

    Returns
    -------
    SyntheticSet

    Raises
    ------
    ValueError
        If ``version`` is unknown or ``config`` belongs to another version.
    """
    if version not in _GENERATORS:
        raise ValueError(f"`version` must be one of {sorted(_GENERATORS)}, got {version!r}")
    _, config_type, generate = _GENERATORS[version]
    config = config or config_type()
    if type(config) is not config_type:
        raise ValueError(f"`config` must be a {config_type.__name__} for version {version}, got {type(config).__name__}")
    parent = Path(cache_dir) if cache_dir is not None else default_data_dir()
    folder = parent / f"{SYNTHETIC_NAME}-v{version}-seed{seed}"
    if not _cache_is_current(folder, seed, version, config):
        parent.mkdir(parents=True, exist_ok=True)
        with FileLock(parent / f".{folder.name}.lock"):  # one process writes; the others wait, then read
            if not _cache_is_current(folder, seed, version, config):
                remove_stale_temporaries(parent, staging=True)  # what a killed writer left
                movie = generate(config, seed=seed)
                staging = make_staging_dir(parent, folder.name)
                try:
                    write_synthetic(movie, staging, overwrite=True, progress=progress)
                    if folder.exists():
                        shutil.rmtree(folder)
                    os.replace(staging, folder)
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
    meta = json.loads((folder / PROTOCOL_FILE).read_text())
    dataset = load_dataset(folder, progress=progress)
    return SyntheticSet(
        dataset=dataset,
        protocol=PaperProtocol.from_dict(meta["protocol"]),
        divisions=tuple(frame for frame, _ in meta["divisions"]),
    )
