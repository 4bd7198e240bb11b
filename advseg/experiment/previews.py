"""Small committed previews of a sweep cell's segmentations, for the results chapter's comparison panels.

A preview holds, for a few evaluation images spread over the split, the predicted
instance labels inside a fixed window (at most 256 x 320 px, centred): a few
kilobytes per cell, so the chapter can show every method without the models
or the run folders. The images and the manual segmentations come from the
data set itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from advseg.data.datasets import Sample
from advseg.experiment.grid import Cell
from advseg.training.methods import METHODS

__all__ = ["PREVIEW_IMAGES", "Preview", "cell_labels", "preview_path", "preview_window", "read_preview", "write_preview"]

PREVIEW_IMAGES = 3  # evaluation images per preview, spread evenly over the evaluation split
WINDOW = (256, 320)  # largest window, rows x columns


def preview_window(shape: tuple[int, ...]) -> tuple[slice, slice]:
    """The centred window (at most 256 x 320) a preview keeps of an image of ``shape``.

    Examples
    --------
    >>> preview_window((512, 640))
    (slice(128, 384, None), slice(160, 480, None))
    >>> preview_window((256, 256))
    (slice(0, 256, None), slice(0, 256, None))
    """
    height, width = shape[-2:]
    rows, cols = min(height, WINDOW[0]), min(width, WINDOW[1])
    top, left = (height - rows) // 2, (width - cols) // 2
    return slice(top, top + rows), slice(left, left + cols)


def preview_path(cell: Cell, *, results: str | os.PathLike) -> Path:
    """Beside the cell's result file: ``n<N>-s<seed>.preview.npz``."""
    return cell.result_path(results).with_suffix(".preview.npz")


@dataclass(frozen=True, eq=False)
class Preview:
    """Predicted labels of a few evaluation images, inside their windows."""

    names: tuple[str, ...]  # evaluation image names
    labels: tuple[np.ndarray, ...]  # (h, w) uint16 instance labels inside preview_window of each image


def cell_labels(cell: Cell, run_dir: str | os.PathLike, samples: Sequence[Sample], *,
                split: Mapping[str, Any] | None = None) -> list[np.ndarray]:
    """Instance labels of ``samples`` as the cell's evaluation made them, from its run folder.

    Estimator cells segment again from ``model.pt`` with the cell's post-processing and smallest
    nucleus (rescaled to the model's nucleus size if it was trained at one); baseline cells read
    the labels their run wrote. ``split`` is ``watershed-fit``'s cut (the model file's by default;
    a cell scored from another cell's model gives its own).
    """
    run_dir = Path(run_dir)
    from advseg.data.io import read_labels

    if not METHODS[cell.method].is_estimator:
        return [read_labels(run_dir / "labels" / f"{s.name}_labels.tif") for s in samples]
    from advseg.evaluation.postprocess import smallest_nucleus
    from advseg.training.modelfile import load_model
    from advseg.training.runs import segment_samples

    model = load_model(run_dir / "model.pt")
    if split is not None:
        model.metadata["split"] = split
    method = METHODS[cell.method]
    return segment_samples(model, samples, method=method.postprocess,
                           min_size=smallest_nucleus(method.min_size, model.metadata.get("diameter")),
                           diameter=model.data_config.train_diameter or None)  # as the cell's evaluation


def write_preview(cell: Cell, *, runs: str | os.PathLike, results: str | os.PathLike, n_images: int = PREVIEW_IMAGES,
                  run_dir: str | os.PathLike | None = None, split: Mapping[str, Any] | None = None) -> Path:
    """Segment ``n_images`` evaluation images (spread over the split) again from the cell's run folder; keep the windows.

    ``run_dir`` overrides the cell's own run folder (a cell scored from another cell's model), and
    ``split`` its model's fitted cut (see :func:`cell_labels`).

    Raises
    ------
    FileNotFoundError
        If the cell's run folder lacks its model (estimators) or labels (baselines).
    """
    from advseg.data.paths import resolve_data
    from advseg.data.splits import make_splits

    run_dir = cell.run_dir(runs) if run_dir is None else Path(run_dir)
    splits = make_splits(resolve_data(cell.data), n_train=cell.n_train, seed=cell.seed)
    spread = np.unique(np.linspace(0, len(splits.evaluation) - 1, n_images).round().astype(int))  # across the split
    samples = [splits.evaluation[i] for i in spread]
    windows = [preview_window(s.image.shape) for s in samples]
    labels = [np.asarray(y[w], dtype=np.uint16) for y, w in zip(cell_labels(cell, run_dir, samples, split=split), windows)]
    path = preview_path(cell, results=results)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"labels_{i}": y for i, y in enumerate(labels)}
    np.savez_compressed(path, names=np.array([s.name for s in samples]), **arrays)
    return path


def read_preview(cell: Cell, *, results: str | os.PathLike) -> Preview | None:
    """The cell's preview, or None when it has none."""
    path = preview_path(cell, results=results)
    if not path.is_file():
        return None
    with np.load(path) as data:
        names = tuple(str(n) for n in data["names"])
        return Preview(names=names, labels=tuple(data[f"labels_{i}"] for i in range(len(names))))
