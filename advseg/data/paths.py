"""Where the embedded default data and the shared real data live."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_data_dir", "find_dsb2018", "repository_root", "resolve_data"]

DSB2018_ENV = "ADVSEG_DSB2018"  # environment variable naming the DSB2018 folder
DATA_ENV = "ADVSEG_DATA"  # environment variable overriding the embedded data folder


def repository_root() -> Path:
    """The folder holding the ``advseg`` package (the repository root in a checkout)."""
    return Path(__file__).resolve().parents[2]


def default_data_dir() -> Path:
    """The folder for embedded default data: ``$ADVSEG_DATA`` or ``<repo>/data``."""
    override = os.environ.get(DATA_ENV)
    return Path(override) if override else repository_root() / "data"


def find_dsb2018() -> Path | None:
    """Locate the DSB2018 fluorescence set, or return ``None``.

    Looks at ``$ADVSEG_DSB2018`` first, then at ``shared/data/dsb2018-fluo``
    beside the repository (``../shared`` from the repository root).
    """
    override = os.environ.get(DSB2018_ENV)
    if override:
        return Path(override)
    candidate = repository_root().parent / "shared" / "data" / "dsb2018-fluo"
    return candidate if (candidate / "index.csv").is_file() else None


def resolve_data(data: str | os.PathLike) -> str | Path:
    """Resolve a data argument: the embedded set's names stay names, ``"dsb2018"`` becomes the shared set's folder.

    The embedded set's names are ``"synthetic-h1299"`` (the newest generator
    version) and ``"synthetic-h1299-v1"``, ``"synthetic-h1299-v2"``.

    Anything else is taken as a path.

    Raises
    ------
    FileNotFoundError
        If ``"dsb2018"`` is asked for and cannot be found.
    """
    if str(data) in ("synthetic-h1299", "synthetic-h1299-v1", "synthetic-h1299-v2"):  # advseg.data.embedded.SYNTHETIC_NAMES
        return str(data)
    if str(data) in ("dsb2018", "dsb2018-fluo"):
        found = find_dsb2018()
        if found is None:
            raise FileNotFoundError(f"DSB2018 fluorescence set not found beside the repository; set {DSB2018_ENV}")
        return found
    return Path(data)
