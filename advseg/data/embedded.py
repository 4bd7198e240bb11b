"""The embedded default data set: the synthetic H1299-like time-lapse, made once and cached.

``synthetic_h1299()`` returns the 72-frame set with its paper protocol. The
first call generates it (a few seconds) and writes it in the folder layout
under ``data/synthetic-h1299-seed<S>/`` (``images/``, ``masks/`` and
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

__all__ = ["SYNTHETIC_NAME", "SyntheticSet", "frame_name", "synthetic_h1299", "write_synthetic"]

SYNTHETIC_NAME = "synthetic-h1299"  # the name the command line and notebooks use for this set
PROTOCOL_FILE = "protocol.json"


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
    roles = {frame: "evaluation" for frame in protocol.evaluation}
    roles.update({frame: "validation" for frame in protocol.validation})
    roles.update({frame: "train_pool" for frame in protocol.train_pool})
    return {
        "name": SYNTHETIC_NAME,
        "generator_version": GENERATOR_VERSION,
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
    frames = range(T)
    if progress:
        from tqdm.auto import tqdm

        frames = tqdm(frames, desc=f"writing {out.name}", unit="frame")
    for t in frames:
        write_tiff(out / "images" / f"{frame_name(t)}.tif", movie.images[t])
        write_tiff(out / "masks" / f"{frame_name(t)}.tif", movie.labels[t])
    (out / PROTOCOL_FILE).write_text(json.dumps(_description(movie, protocol), indent=1))
    return out


def _cache_is_current(folder: Path, seed: int, config: SyntheticConfig) -> bool:
    try:
        meta = json.loads((folder / PROTOCOL_FILE).read_text())
    except (OSError, ValueError):
        return False
    return meta.get("generator_version") == GENERATOR_VERSION and meta.get("seed") == seed and meta.get("config") == asdict(config)


def synthetic_h1299(
    *, seed: int = 0, config: SyntheticConfig | None = None, cache_dir: str | os.PathLike | None = None, progress: bool = False
) -> SyntheticSet:
    """The embedded H1299-like set with its paper protocol, generated on first use.

    Parameters
    ----------
    seed : int, optional
        Seed of the movie and of the protocol's draw.
    config : SyntheticConfig, optional
        Generative model; the default mirrors the paper's data (72 frames, 512x640).
    cache_dir : path-like, optional
        Parent folder of the cache; ``data/`` in the repository by default
        (or ``$ADVSEG_DATA``).
    progress : bool, optional
        Show progress bars while generating and reading.

    Returns
    -------
    SyntheticSet
    """
    config = config or SyntheticConfig()
    parent = Path(cache_dir) if cache_dir is not None else default_data_dir()
    folder = parent / f"{SYNTHETIC_NAME}-seed{seed}"
    if not _cache_is_current(folder, seed, config):
        parent.mkdir(parents=True, exist_ok=True)
        with FileLock(parent / f".{folder.name}.lock"):  # one process writes; the others wait, then read
            if not _cache_is_current(folder, seed, config):
                remove_stale_temporaries(parent, staging=True)  # what a killed writer left
                movie = synthetic_timelapse(config, seed=seed)
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
