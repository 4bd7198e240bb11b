"""Batch segmentation of image files with a trained model."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from skimage.transform import resize

from advseg.data.atomic import remove_stale_temporaries
from advseg.data.io import read_image, write_tiff
from advseg.data.sources import image_sources
from advseg.evaluation.inference import PRECISIONS, predict_probs
from advseg.evaluation.postprocess import PAPER_MIN_SIZE, check_min_size, postprocess
from advseg.evaluation.scale import ScaleChoice, choose_scale, segment_at_scale
from advseg.evaluation.scoring import PROBS_SUFFIX
from advseg.nn.fusion import fuse_for_inference
from advseg.training.modelfile import LoadedModel
from advseg.utils import progress_bar

__all__ = ["Segmented", "SegmentedImage", "model_diameter_of", "recorded_min_size", "segment_files", "segment_image"]


@dataclass(frozen=True)
class Segmented:
    """One image segmented by :func:`segment_files`."""

    source: Path  # the image file
    labels_path: Path  # the label image written
    scale: ScaleChoice  # how the image was scaled to the model's nucleus size
    n_nuclei: int = 0  # nuclei in the label image


def recorded_min_size(metadata: dict) -> int:
    """The smallest nucleus a model file records (``advseg train`` writes it), else the original code's 50 px."""
    recorded = metadata.get("min_size")
    return recorded if isinstance(recorded, int) and recorded >= 1 else PAPER_MIN_SIZE


@dataclass(frozen=True)
class SegmentedImage:
    """One image segmented by :func:`segment_image`."""

    labels: np.ndarray  # (H, W) instance labels at the image's own size
    probs: np.ndarray  # (3, h, w) float32 class probabilities at the model's scale (h, w = H, W times scale.scale)
    scale: ScaleChoice  # how the image was scaled to the model's nucleus size


def model_diameter_of(model: LoadedModel) -> float | None:
    """The training nucleus diameter a model file records (``advseg train`` writes it), else None."""
    recorded = model.metadata.get("diameter")
    return float(recorded) if isinstance(recorded, (int, float)) and 0 < recorded < float("inf") else None


def segment_image(
    model: LoadedModel,
    image: np.ndarray,
    *,
    method: str = "paper",
    diameter: float | str | None = "auto",
    min_size: int | None = None,
    split: dict | None = None,
    device: str = "cpu",
    tile: int = 1024,
    precision: str = "float32",
    estimator: torch.nn.Module | None = None,
) -> SegmentedImage:
    """Segment one image as ``advseg segment`` does: rescale to the model's nucleus size, predict, cut, scale back.

    Parameters
    ----------
    model : LoadedModel
    image : (H, W) ndarray
        Raw intensities (the model's own normalisation is applied).
    method : {"paper", "watershed", "watershed-split", "watershed-fit"}
        Post-processing.
    diameter : float, "auto" or None
        As :func:`segment_files` takes it.
    min_size : int, optional
        The smallest nucleus kept, px at the model's scale; None: the model file's, else 50.
    split : dict, optional
        ``watershed-fit``'s cut; None: the one the model file records.
    device, tile, precision
        As :func:`advseg.evaluation.inference.predict_probs` takes them.
    estimator : torch.nn.Module, optional
        The network to run instead of ``model.estimator`` (e.g. one fused once for many images).

    Returns
    -------
    SegmentedImage

    Raises
    ------
    ValueError
        If ``image`` is not a 2-D array of integers or floats, or holds non-finite pixels.
    """
    image = np.asarray(image)
    if image.ndim != 2 or image.dtype.kind not in "iuf":
        raise ValueError(f"`image` must be a 2-D (H, W) array of numbers, got shape {image.shape} of {image.dtype}")
    if image.dtype.kind == "f" and not np.isfinite(image).all():
        raise ValueError(f"`image` must hold finite pixels, got {int(np.sum(~np.isfinite(image)))} NaN or infinite")
    nuclei = model_diameter_of(model)
    min_size = recorded_min_size(model.metadata) if min_size is None else min_size
    split = model.metadata.get("split") if split is None else split
    choice = choose_scale(image, model_diameter=nuclei, diameter=diameter)
    kept: list[np.ndarray] = []

    def segment(x: np.ndarray) -> np.ndarray:
        kept.append(predict_probs(estimator or model.estimator, x, data_config=model.data_config, device=device,
                                  tile=tile, precision=precision))
        return postprocess(kept[-1], method=method, min_size=min_size, diameter=nuclei, split=split)

    labels = segment_at_scale(segment, image, choice.scale)
    return SegmentedImage(labels, kept[-1], choice)


def _without_earlier_outputs(sources: list[tuple[str, Path]], inputs: Sequence, out: Path) -> list[tuple[str, Path]]:
    """``sources`` less what an earlier call wrote into ``out`` for one of them, where a folder (not the file) was given."""
    names, named = {name for name, _ in sources}, {Path(i).resolve() for i in inputs if Path(i).is_file()}
    earlier = {(out / f"{name}{suffix}.tif").resolve() for name in names for suffix in ("_labels", PROBS_SUFFIX)}
    return [(name, path) for name, path in sources if path.resolve() not in earlier - named]


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
    diameter: float | str | None = "auto",
    precision: str = "float32",
    min_size: int | None = None,
    channel: int | None = None,
) -> list[Segmented]:
    """Segment images and write ``<stem>_labels.tif`` (uint16) for each into ``out_dir``.

    Every input is read and checked first (readable, 2-D, finite pixels: see
    :func:`advseg.data.io.read_image`), so a bad image fails the call before
    any output is written. Temporary files a killed earlier call left in
    ``out_dir`` are removed.

    Parameters
    ----------
    model : LoadedModel
    inputs : sequence of path-like
        Image files (TIFF/PNG, 8/16-bit), folders of them, or data set folders in
        any layout ``train`` reads (see :func:`advseg.data.sources.image_sources`;
        a Cell Tracking Challenge frame ``01/t005.tif`` is written as
        ``01_t005_labels.tif``).
    out_dir : path-like
        Created if needed. When it is also an input folder, the ``<stem>_labels.tif``
        and ``<stem>_probs.tif`` an earlier call wrote there are not taken for images.
    method : {"paper", "watershed", "watershed-split", "watershed-fit"}
        Post-processing (``watershed-fit`` with the cut the model file records).
    save_probabilities : bool
        Also write ``<stem>_probs.tif``, (3, H, W) float32.
    overwrite : bool
        Replace existing outputs (inputs are never overwritten).
    progress : bool
    device : str
    tile : int
        Tile side for large images.
    diameter : float, "auto" or None
        The images' nucleus diameter in px, ``"auto"`` to estimate it per image,
        or ``None`` not to rescale. Each image is rescaled so its nuclei match the
        median diameter of the model's training annotations (recorded in model
        files that ``advseg train`` writes; older files are used without
        rescaling); labels are written at the image's own size.
    precision : {"float32", "bfloat16"}
        The network's arithmetic (see :data:`advseg.evaluation.inference.PRECISIONS`).
    min_size : int, optional
        The smallest nucleus kept, px at the model's scale; None: the model file's (``advseg train``
        records it), else the original code's 50.
    channel : int, optional
        The channel holding the nuclei in multi-channel images (see :func:`advseg.data.io.read_image`).

    Returns
    -------
    list of Segmented
        The label files written, with how each image was scaled.

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
    if check_min_size(min_size, none_means="the model's") is None:
        min_size = recorded_min_size(model.metadata)
    if precision not in PRECISIONS:
        raise ValueError(f"`precision` must be one of {list(PRECISIONS)}, got {precision!r}")
    out = Path(out_dir)
    sources = _without_earlier_outputs(image_sources(inputs), inputs, out)
    images = [path for _, path in sources]
    names = [name for name, _ in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        paths = [str(path) for name, path in sources if name == duplicates[0]]
        raise ValueError(f"`inputs` hold several images called {duplicates[0]!r} ({', '.join(paths[:3])}); their outputs would collide")
    plans = [(p, out / f"{name}_labels.tif", out / f"{name}_probs.tif") for name, p in sources]
    resolved = {p.resolve() for p in images}
    for _, labels_path, probs_path in plans:
        for target in (labels_path, probs_path) if save_probabilities else (labels_path,):
            if target.resolve() in resolved:
                raise ValueError(f"{target}: output would replace an input image; choose another --out")
            if target.exists() and not overwrite:
                raise FileExistsError(f"{target}: exists (use --overwrite to replace it)")
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out}: exists and is not a folder")
    bad = []
    for source in images:  # every input checked before the first output is written, and every bad one named
        try:
            read_image(source, channel=channel)
        except ValueError as error:
            bad.append((source, error))
    if bad:
        others = [path.name for path, _ in bad[1:]]
        more = f" (and {len(others)} more: {', '.join(others[:3])}{', …' if len(others) > 3 else ''})" if others else ""
        raise ValueError(f"{bad[0][1]}{more}") from bad[0][1]
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)  # what a killed earlier call left half-written

    written = []
    with progress_bar(plans, desc="segmenting", unit="image", disable=not progress) as bar:  # closed on errors too
        net = fuse_for_inference(model.estimator)  # once for every image and scale
        for source, labels_path, probs_path in bar:
            image, _ = read_image(source, channel=channel)
            result = segment_image(model, image, method=method, diameter=diameter, min_size=min_size, device=device,
                                   tile=tile, precision=precision, estimator=net)
            write_tiff(labels_path, result.labels)
            if save_probabilities:
                probs = result.probs
                if probs.shape[1:] != image.shape:
                    probs = resize(probs, (3, *image.shape), order=1, preserve_range=True)
                write_tiff(probs_path, probs.astype(np.float32))
            written.append(Segmented(source, labels_path, result.scale, int(np.count_nonzero(np.unique(result.labels)))))
    return written
