"""The images to segment, from files or from a folder in any layout ``train`` reads (annotations optional)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from advseg.data.datasets import _CTC_SEQUENCE
from advseg.data.io import IMAGE_SUFFIXES, image_stem

__all__ = ["image_sources"]

_CTC_FRAME = re.compile(r"^t(\d+)\.tiff?$")  # t000.tif …


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))


def _ctc_sequences(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and _CTC_SEQUENCE.match(p.name)
                  and any(_CTC_FRAME.match(f.name) for f in p.iterdir()))


def _dsb_images(root: Path) -> list[Path]:
    return sorted(p / "images" / f"{p.name}.png" for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / "images" / f"{p.name}.png").is_file())


def _folder_sources(folder: Path) -> tuple[str, list[tuple[str, Path]]]:
    """(layout, [(name, image)]) of one folder; names are unique within it.

    Loose ``*_labels`` and ``*_probs`` images (what ``advseg segment`` writes) do not hide a
    data set layout below them: a data set segmented into its own folder is read again as a data set.
    """
    flat = _images_in(folder)
    if flat and all(image_stem(p).endswith(("_labels", "_probs")) for p in flat) and (
            (folder / "images").is_dir() or _ctc_sequences(folder) or _dsb_images(folder)):
        flat = []
    if flat:
        return "images", [(image_stem(p), p) for p in flat]
    if (folder / "images").is_dir():
        return "images/ folder", [(image_stem(p), p) for p in _images_in(folder / "images")]
    sequences = _ctc_sequences(folder)
    if sequences:
        return "Cell Tracking Challenge", [(f"{s.name}_t{_CTC_FRAME.match(f.name).group(1)}", f)
                                           for s in sequences for f in _images_in(s) if _CTC_FRAME.match(f.name)]
    dsb = _dsb_images(folder)
    if dsb:
        return "DSB2018", [(p.parent.parent.name, p) for p in dsb]
    return "", []


def image_sources(inputs: Sequence[str | os.PathLike]) -> list[tuple[str, Path]]:
    """Expand image files and folders into (output name, image file) pairs, in order.

    A folder may hold images directly, or be a data set in any layout that
    :func:`advseg.data.datasets.load_dataset` reads, with or without its
    annotations: an ``images/`` folder (``masks/`` beside it is ignored), a Cell
    Tracking Challenge folder (``01/t000.tif`` …, named ``01_t000``) or the Data
    Science Bowl 2018 layout (``<id>/images/<id>.png``, named ``<id>``). A file
    is named by its stem.

    Parameters
    ----------
    inputs : sequence of path-like
        Image files (TIFF or PNG) and folders.

    Returns
    -------
    list of (str, Path)

    Raises
    ------
    FileNotFoundError
        If an input does not exist.
    ValueError
        If a file is not an image, a folder holds no images in any layout, or
        nothing is given.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "01").mkdir(); (root / "01" / "t000.tif").touch(); (root / "01" / "t001.tif").touch()
    >>> [name for name, _ in image_sources([root])]
    ['01_t000', '01_t001']
    """
    sources: list[tuple[str, Path]] = []
    for item in map(Path, inputs):
        if not item.exists():
            raise FileNotFoundError(f"{item}: no such file or folder")
        if item.is_dir():
            _, found = _folder_sources(item)
            if not found:
                raise ValueError(f"{item}: folder holds no .tif, .tiff or .png images, directly or in a known layout "
                                 "(images/, Cell Tracking Challenge 01/tNNN.tif, DSB2018 <id>/images/<id>.png)")
            sources += found
        elif item.suffix.lower() in IMAGE_SUFFIXES:
            sources.append((image_stem(item), item))
        else:
            raise ValueError(f"{item}: not an image file (expected {', '.join(IMAGE_SUFFIXES)})")
    if not sources:
        raise ValueError("`inputs` must name at least one image file or folder")
    return sources
