"""Annotated data sets on disk: layout detection and loading of (image, labels) pairs.

Three layouts are recognised (see :data:`LAYOUTS`):

``folder``
    ``images/<stem>.{tif,tiff,png}`` beside ``masks/<stem>.{tif,tiff,png}``
    (instance labels); optionally ``index.csv`` with ``id`` and ``split`` columns.
``ctc``
    Cell Tracking Challenge: ``01/tNNN.tif`` with ``01_GT/SEG/man_segNNN.tif``;
    only annotated frames form pairs (``02`` likewise).
``dsb2018``
    Data Science Bowl 2018: ``<id>/images/<id>.png`` with ``<id>/masks/*.png``,
    one binary mask per nucleus.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advseg.data.index import read_index
from advseg.data.io import IMAGE_SUFFIXES, image_stem, read_image, read_labels
from advseg.data.masks import read_instance_labels
from advseg.utils import progress_bar

__all__ = ["LAYOUTS", "Dataset", "Sample", "detect_layout", "load_dataset", "read_index"]


@dataclass(frozen=True, eq=False)
class Sample:
    """One annotated image.

    Attributes
    ----------
    name : str
        Identifier, unique within its data set (a file stem or ``01_t005``).
    image : (H, W) ndarray of float32
        Pixel values, unscaled.
    labels : (H, W) ndarray of int32
        Instance labels, 0 = background.
    dtype : str
        The image's stored dtype (``"uint8"``, ``"uint16"``, …).
    """

    name: str
    image: np.ndarray
    labels: np.ndarray
    dtype: str

    @property
    def n_nuclei(self) -> int:
        """Number of distinct non-zero labels."""
        return int(np.count_nonzero(np.unique(self.labels)))


@dataclass(frozen=True, eq=False)
class Dataset:
    """Loaded pairs with the layout they came from."""

    root: Path  # the folder that was loaded
    layout: str  # key of LAYOUTS
    samples: tuple[Sample, ...]  # in name order

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    def __getitem__(self, index: int) -> Sample:
        return self.samples[index]

    @property
    def names(self) -> list[str]:
        return [sample.name for sample in self.samples]

    def subset(self, names: list[str] | tuple[str, ...]) -> tuple[Sample, ...]:
        """The samples called ``names``, in that order; a clear error for an unknown name."""
        by_name = {sample.name: sample for sample in self.samples}
        missing = [name for name in names if name not in by_name]
        if missing:
            raise ValueError(f"`names` holds {len(missing)} name(s) not in {self.root}: {missing[:3]}")
        return tuple(by_name[name] for name in names)


# A pair source: (name, image path, mask paths). One mask path is an instance-label
# image; several are binary masks, one per nucleus (DSB2018).
PairSource = tuple[str, Path, tuple[Path, ...]]


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _by_stem(folder: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in _visible(folder):
        if path.is_dir():
            raise ValueError(f"{path}: unexpected folder inside {folder.name}/; expected image files only")
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            raise ValueError(f"{path}: not an image file (expected {', '.join(IMAGE_SUFFIXES)})")
        stem = image_stem(path)
        if stem in files:
            raise ValueError(f"{path}: two files share the stem {stem!r} ({files[stem].name})")
        files[stem] = path
    return files


def _folder_detect(root: Path) -> bool:
    return (root / "images").is_dir() and (root / "masks").is_dir()


def _folder_pairs(root: Path) -> list[PairSource]:
    images, masks = _by_stem(root / "images"), _by_stem(root / "masks")
    for stem, path in images.items():
        if stem not in masks:
            raise ValueError(f"{path}: image has no mask (expected masks/{stem}.tif or .png)")
    for stem, path in masks.items():
        if stem not in images:
            raise ValueError(f"{path}: mask has no image (expected images/{stem}.tif or .png)")
    return [(stem, images[stem], (masks[stem],)) for stem in sorted(images)]


_CTC_SEQUENCE = re.compile(r"^\d{2}$")
_CTC_MASK = re.compile(r"^man_seg(\d+)\.tiff?$")


def _ctc_detect(root: Path) -> bool:
    return any(_CTC_SEQUENCE.match(p.name) and (root / f"{p.name}_GT" / "SEG").is_dir() for p in root.iterdir() if p.is_dir())


def _ctc_pairs(root: Path) -> list[PairSource]:
    pairs: list[PairSource] = []
    for sequence in sorted(p for p in root.iterdir() if p.is_dir() and _CTC_SEQUENCE.match(p.name)):
        seg = root / f"{sequence.name}_GT" / "SEG"
        if not seg.is_dir():
            continue
        for mask in _visible(seg):
            match = _CTC_MASK.match(mask.name)
            if match is None:
                continue  # 3-D slice annotations (man_seg_TTT_ZZZ.tif) and others are not 2-D pairs
            frame = match.group(1)
            candidates = [sequence / f"t{frame}{suffix}" for suffix in (".tif", ".tiff")]
            image = next((c for c in candidates if c.is_file()), None)
            if image is None:
                raise ValueError(f"{mask}: mask has no image (expected {candidates[0]})")
            pairs.append((f"{sequence.name}_t{frame}", image, (mask,)))
    return pairs


def _dsb_detect(root: Path) -> bool:
    return any((p / "images" / f"{p.name}.png").is_file() for p in root.iterdir() if p.is_dir())


def _dsb_pairs(root: Path) -> list[PairSource]:
    pairs: list[PairSource] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        image = folder / "images" / f"{folder.name}.png"
        if not image.is_file():
            raise ValueError(f"{folder}: expected images/{folder.name}.png in a DSB2018 layout")
        mask_dir = folder / "masks"
        masks = tuple(p for p in _visible(mask_dir)) if mask_dir.is_dir() else ()
        if not masks:
            raise ValueError(f"{image}: image has no masks (expected {mask_dir}/*.png)")
        pairs.append((folder.name, image, masks))
    return pairs


@dataclass(frozen=True)
class Layout:
    """How to recognise a layout and list its pairs."""

    detect: Callable[[Path], bool]
    pairs: Callable[[Path], list[PairSource]]
    description: str


LAYOUTS: dict[str, Layout] = {
    "folder": Layout(_folder_detect, _folder_pairs, "images/ + masks/ with matching file stems"),
    "ctc": Layout(_ctc_detect, _ctc_pairs, "Cell Tracking Challenge: 01/tNNN.tif + 01_GT/SEG/man_segNNN.tif"),
    "dsb2018": Layout(_dsb_detect, _dsb_pairs, "Data Science Bowl 2018: <id>/images/<id>.png + <id>/masks/*.png"),
}


def detect_layout(path: str | os.PathLike) -> str:
    """Name the layout of the data set at ``path``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If it is not a folder, is empty, or matches no layout in :data:`LAYOUTS`.
    """
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such file or folder")
    if not root.is_dir():
        raise ValueError(f"{root}: expected a folder holding a data set, got a file")
    if not _visible(root):
        raise ValueError(f"{root}: folder is empty")
    for name, layout in LAYOUTS.items():
        if layout.detect(root):
            return name
    expected = "; ".join(f"{name} ({layout.description})" for name, layout in LAYOUTS.items())
    raise ValueError(f"{root}: no known data set layout found; expected one of: {expected}")


def _select_split(root: Path, pairs: list[PairSource], split: str) -> list[PairSource]:
    index_path = root / "index.csv"
    if not index_path.is_file():
        raise ValueError(f"`split` is {split!r} but {root} has no index.csv with a 'split' column")
    index = read_index(index_path)
    available = sorted(set(index.values()))
    if split not in available:
        raise ValueError(f"`split` must be one of {available} (from {index_path}), got {split!r}")
    chosen = [pair for pair in pairs if index.get(pair[0]) == split]
    return chosen


def _load_pair(name: str, image_path: Path, mask_paths: tuple[Path, ...], *, binary_masks: bool = False) -> Sample:
    image, dtype = read_image(image_path)
    if len(mask_paths) == 1:
        labels = read_instance_labels(mask_paths[0], binary_masks=binary_masks)
        if labels.shape != image.shape:
            raise ValueError(f"{mask_paths[0]}: mask shape {labels.shape} differs from image shape {image.shape} ({image_path.name})")
    else:  # one binary mask per nucleus; a later nucleus wins where two overlap
        labels = np.zeros(image.shape, np.int32)
        for number, mask_path in enumerate(mask_paths, start=1):
            mask = read_labels(mask_path)
            if mask.shape != image.shape:
                raise ValueError(f"{mask_path}: mask shape {mask.shape} differs from image shape {image.shape} ({image_path.name})")
            labels[mask > 0] = number
    return Sample(name=name, image=image, labels=labels, dtype=dtype)


def load_dataset(
    path: str | os.PathLike,
    *,
    split: str | None = None,
    names: list[str] | None = None,
    progress: bool = False,
    binary_masks: bool = False,
) -> Dataset:
    """Detect the layout of ``path`` and load its (image, labels) pairs.

    Parameters
    ----------
    path : path-like
        A data set folder in one of the :data:`LAYOUTS`.
    split : str, optional
        Keep only the images whose ``index.csv`` row has this ``split``
        (``"train"``, ``"val"``, ``"test"`` for DSB2018).
    names : list of str, optional
        Keep only these names (after ``split``).
    progress : bool, optional
        Show a progress bar while reading.
    binary_masks : bool, optional
        Label the connected regions of each mask image (for binary 0/255
        masks); without it, a mask that looks binary is refused (see
        :func:`advseg.data.masks.read_instance_labels`). DSB2018's one mask
        per nucleus is read as it is.

    Returns
    -------
    Dataset

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        With one line naming the file and the problem, for any malformed
        input (see :func:`detect_layout`, :func:`advseg.data.io.read_image`,
        :func:`advseg.data.io.read_labels`), an image with non-finite pixels
        included.

    Examples
    --------
    >>> load_dataset("no/such/folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no/such/folder: no such file or folder
    """
    root = Path(path)
    layout = detect_layout(root)
    pairs = LAYOUTS[layout].pairs(root)
    if split is not None:
        pairs = _select_split(root, pairs, split)
    if names is not None:
        wanted = set(names)
        pairs = [pair for pair in pairs if pair[0] in wanted]
    if not pairs:
        raise ValueError(f"{root}: no annotated images found ({layout} layout{f', split {split!r}' if split else ''})")
    with progress_bar(pairs, desc=f"reading {root.name}", unit="image", disable=not progress) as bar:  # closed on errors too
        samples = tuple(_load_pair(*pair, binary_masks=binary_masks) for pair in bar)
    return Dataset(root=root, layout=layout, samples=samples)
