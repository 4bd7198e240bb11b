"""Batch segmentation of image files with a trained model."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from advseg.data.atomic import remove_stale_temporaries
from advseg.data.io import IMAGE_SUFFIXES, read_image, write_tiff
from advseg.evaluation.inference import predict_probs
from advseg.evaluation.postprocess import postprocess
from advseg.training.modelfile import LoadedModel

__all__ = ["collect_images", "segment_files"]


def collect_images(inputs: Sequence[str | os.PathLike]) -> list[Path]:
    """Expand files and folders (their image files, not recursive) into a sorted list of images.

    Raises
    ------
    FileNotFoundError
        If an input does not exist.
    ValueError
        If a file is not an image, or nothing is found.
    """
    images: list[Path] = []
    for item in map(Path, inputs):
        if not item.exists():
            raise FileNotFoundError(f"{item}: no such file or folder")
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
            if not found:
                raise ValueError(f"{item}: folder holds no .tif, .tiff or .png images")
            images += found
        elif item.suffix.lower() in IMAGE_SUFFIXES:
            images.append(item)
        else:
            raise ValueError(f"{item}: not an image file (expected {', '.join(IMAGE_SUFFIXES)})")
    if not images:
        raise ValueError("`inputs` must name at least one image file or folder")
    return images


def segment_files(
    model: LoadedModel,
    inputs: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    method: str = "paper",
    save_probabilities: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    device: str = "cpu",
    tile: int = 1024,
) -> list[Path]:
    """Segment images and write ``<stem>_labels.tif`` (uint16) for each into ``out_dir``.

    Every input is read and checked first (readable, 2-D, finite pixels: see
    :func:`advseg.data.io.read_image`), so a bad image fails the call before
    any output is written. Temporary files a killed earlier call left in
    ``out_dir`` are removed.

    Parameters
    ----------
    model : LoadedModel
    inputs : sequence of path-like
        Image files or folders of them (TIFF/PNG, 8/16-bit).
    out_dir : path-like
        Created if needed.
    method : {"paper", "watershed"}
        Post-processing.
    save_probabilities : bool
        Also write ``<stem>_probs.tif``, (3, H, W) float32.
    overwrite : bool
        Replace existing outputs (inputs are never overwritten).
    progress : bool
    device : str
    tile : int
        Tile side for large images.

    Returns
    -------
    list of Path
        The label files written.

    Raises
    ------
    ValueError
        Two inputs share a stem, an output would replace an input, or an
        input cannot be read, is not a 2-D single-channel image or holds
        non-finite pixels.
    FileExistsError
        An output exists and ``overwrite`` is false.
    """
    if tile < 16:
        raise ValueError(f"`tile` must be at least 16 px, got {tile}")
    images = collect_images(inputs)
    out = Path(out_dir)
    stems = [p.stem for p in images]
    duplicates = sorted({s for s in stems if stems.count(s) > 1})
    if duplicates:
        raise ValueError(f"`inputs` hold several images called {duplicates[0]!r}; their outputs would collide")
    plans = [(p, out / f"{p.stem}_labels.tif", out / f"{p.stem}_probs.tif") for p in images]
    sources = {p.resolve() for p in images}
    for _, labels_path, probs_path in plans:
        for target in (labels_path, probs_path) if save_probabilities else (labels_path,):
            if target.resolve() in sources:
                raise ValueError(f"{target}: output would replace an input image; choose another --out")
            if target.exists() and not overwrite:
                raise FileExistsError(f"{target}: exists (use --overwrite to replace it)")
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out}: exists and is not a folder")
    for source in images:  # every input checked before the first output is written
        read_image(source)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)  # what a killed earlier call left half-written
    from tqdm.auto import tqdm

    written = []
    with tqdm(plans, desc="segmenting", unit="image", disable=not progress) as bar:  # closed on errors too
        for source, labels_path, probs_path in bar:
            image, _ = read_image(source)
            probs = predict_probs(model.estimator, image, data_config=model.data_config, device=device, tile=tile)
            write_tiff(labels_path, postprocess(probs, method=method))
            if save_probabilities:
                write_tiff(probs_path, probs.astype(np.float32))
            written.append(labels_path)
    return written
