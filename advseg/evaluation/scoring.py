"""All protocols at once, on lists of label images or on folders of label files."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from advseg.data.io import IMAGE_SUFFIXES, image_stem
from advseg.data.masks import read_instance_labels
from advseg.evaluation.metrics import MATCHING_THRESHOLDS, Matching, SegScore, matching_thresholds, seg_score_dataset
from advseg.evaluation.paper_score import PaperScore, paper_score_dataset

__all__ = ["PROBS_SUFFIX", "Evaluation", "check_margin", "evaluate_folders", "evaluate_labels", "label_files", "pairing_key"]


@dataclass(frozen=True)
class Evaluation:
    """The paper's protocol, CTC SEG and IoU matching at 0.5..0.9, pooled over images."""

    n_images: int
    paper: PaperScore
    seg: SegScore
    matching: tuple[Matching, ...]  # one per threshold in MATCHING_THRESHOLDS
    missing: tuple[str, ...] = ()  # ground-truth images without a prediction (scored as all missed)

    def at(self, thresh: float) -> Matching:
        """The matching result at IoU threshold ``thresh``."""
        for result in self.matching:
            if abs(result.thresh - thresh) < 1e-9:
                return result
        raise ValueError(f"`thresh` must be one of {[m.thresh for m in self.matching]}, got {thresh}")

    def to_dict(self) -> dict[str, Any]:
        """One JSON-ready object (the ``advseg evaluate --json`` output)."""
        m = self.at(0.5)
        return {
            "n_images": self.n_images,
            "n_gt": m.n_true,
            "n_pred": m.n_pred,
            "tp": m.tp,
            "precision": m.precision,
            "recall": m.recall,
            "f1": m.f1,
            "seg": self.seg.seg,
            "ap": m.ap,
            "pq": m.panoptic_quality,
            "paper": {"precision": self.paper.precision, "recall": self.paper.recall, "f": self.paper.f,
                      "tp": self.paper.tp, "n_gt": self.paper.n_true, "n_pred": self.paper.n_pred},
            "thresholds": {f"{r.thresh:.2f}": r.to_dict() for r in self.matching},
            "missing": list(self.missing),
        }

    def table(self) -> str:
        """A readable summary table."""
        lines = [
            f"images: {self.n_images}" + (f" ({len(self.missing)} without a prediction, scored as all missed)" if self.missing else ""),
            f"paper protocol   precision {self.paper.precision:.3f}  recall {self.paper.recall:.3f}  F {self.paper.f:.3f}"
            f"  (TP {self.paper.tp} of {self.paper.n_true} true, {self.paper.n_pred} predicted)",
            f"CTC SEG          {self.seg.seg:.3f}  (over {self.seg.n_true} reference nuclei)",
            "IoU   precision  recall     F1     AP     PQ  matched IoU",
        ]
        for r in self.matching:
            lines.append(f"{r.thresh:.2f}  {r.precision:9.3f} {r.recall:7.3f} {r.f1:6.3f} {r.ap:6.3f} {r.panoptic_quality:6.3f} {r.mean_matched_iou:12.3f}")
        return "\n".join(lines)


def evaluate_labels(
    ys_true: Sequence[np.ndarray], ys_pred: Sequence[np.ndarray], *, margin: int = 0, missing: Sequence[str] = ()
) -> Evaluation:
    """Score predictions with every protocol.

    Parameters
    ----------
    ys_true, ys_pred : sequences of (H, W) ndarrays of int
        Instance labels, paired by position.
    margin : int, optional
        Pixels the paper's protocol crops from each side (10 for the
        estimator's VALID padding); the other protocols use whole images.
    missing : sequence of str, optional
        Names of images whose prediction was missing (recorded only).

    Returns
    -------
    Evaluation
    """
    if len(ys_true) != len(ys_pred):
        raise ValueError(f"`ys_pred` ({len(ys_pred)} images) must be as long as `ys_true` ({len(ys_true)} images)")
    return Evaluation(
        n_images=len(ys_true),
        paper=paper_score_dataset(ys_true, ys_pred, margin=margin),
        seg=seg_score_dataset(ys_true, ys_pred),
        matching=matching_thresholds(ys_true, ys_pred, thresholds=MATCHING_THRESHOLDS),
        missing=tuple(missing),
    )


_NUMBERED = re.compile(r"^(?:man_seg|mask|t)(\d+)$")
_CTC_OUTPUT = re.compile(r"^(\d{2})_(?:man_seg|mask|t)(\d+)$")  # segment's name for CTC frame 01/t005.tif: 01_t005
PROBS_SUFFIX = "_probs"  # advseg segment's probability maps: <stem>_probs.tif


def pairing_key(path: str | os.PathLike) -> str:
    """The name under which a ground-truth file and its prediction pair up.

    ``_labels``/``_mask`` suffixes are dropped, and the Cell Tracking
    Challenge's ``man_segNNN``, ``maskNNN`` and ``tNNN`` become ``NNN``
    (``01_t005``, segment's name for frame ``01/t005.tif``, becomes ``01_5``, as
    :func:`label_files` keys a CTC ground truth).

    Examples
    --------
    >>> [pairing_key(p) for p in ["a/img7_labels.tif", "b/img7.png", "man_seg005.tif", "mask5.tif", "t005_labels.tif"]]
    ['img7', 'img7', '5', '5', '5']
    >>> pairing_key("out/01_t005_labels.tif")
    '01_5'
    """
    stem = image_stem(path)
    for suffix in ("_labels", "_mask"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    match, ctc = _NUMBERED.match(stem), _CTC_OUTPUT.match(stem)
    return str(int(match.group(1))) if match else f"{ctc.group(1)}_{int(ctc.group(2))}" if ctc else stem


def label_files(folder: str | os.PathLike, *, prediction: bool = False) -> dict[str, Path]:
    """Label files of a folder by pairing key.

    Accepts a plain folder of label images, a data set in the folder layout
    (uses ``masks/``), or a CTC folder holding ``XX_GT/SEG`` or ``XX_RES``
    (keys prefixed with the sequence number). ``<stem>_probs.tif``, the
    probability maps ``advseg segment --save-probabilities`` writes beside
    its labels, are skipped, as are hidden files. With ``prediction``, the
    ``*_labels`` images ``advseg segment`` wrote into a data set's own folder are
    the labels, not its ``masks/``.
    """
    root = Path(folder)
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such file or folder")
    if not root.is_dir():
        raise ValueError(f"{root}: expected a folder of label images, got a file")
    written = prediction and any(p.is_file() and image_stem(p).endswith("_labels") for p in root.iterdir())
    if (root / "masks").is_dir() and not written:
        root = root / "masks"
    sequences = [] if written else sorted(p for p in root.iterdir() if p.is_dir() and re.match(r"^\d{2}_(GT|RES)$", p.name))
    files: dict[str, Path] = {}
    skipped = 0
    if sequences:
        for seq in sequences:
            source = seq / "SEG" if seq.name.endswith("_GT") else seq
            for path in sorted(source.glob("*")):
                if path.suffix.lower() in IMAGE_SUFFIXES and _NUMBERED.match(path.stem):
                    files[f"{seq.name[:2]}_{pairing_key(path)}"] = path
    else:
        for path in sorted(root.iterdir()):
            if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith("."):
                if path.stem.endswith(PROBS_SUFFIX):  # segment's side output, not labels
                    skipped += 1
                    continue
                key = pairing_key(path)
                if key in files:
                    raise ValueError(f"{path}: pairs under the same name as {files[key].name} ({key!r})")
                files[key] = path
    if not files:
        note = f" (only {skipped} probability map(s) *{PROBS_SUFFIX}.tif, which are not labels)" if skipped else ""
        raise ValueError(f"{folder}: no label images found{note}")
    return files


def check_margin(margin: int, shape: tuple[int, ...] | None = None, *, name: str = "image") -> None:
    """Refuse a paper-protocol ``margin`` that is negative or leaves nothing of an image of ``shape``.

    Parameters
    ----------
    margin : int
        Pixels cropped from each side.
    shape : tuple of int, optional
        (H, W) of the image; without it only the sign and type are checked.
    name : str, optional
        How the message names the image.

    Raises
    ------
    ValueError
        Naming the margin, the image and the largest margin it allows.

    Examples
    --------
    >>> check_margin(10, (128, 128))
    >>> check_margin(64, (128, 128), name="a.tif")
    Traceback (most recent call last):
    ...
    ValueError: `margin` (64 px per side) leaves nothing of a.tif (128 x 128); it must be at most 63
    """
    if not isinstance(margin, (int, np.integer)) or isinstance(margin, bool) or margin < 0:
        raise ValueError(f"`margin` must be a whole number of pixels >= 0 (10 mimics the paper's VALID output), got {margin!r}")
    if shape is None:
        return
    largest = (min(shape[:2]) - 1) // 2
    if margin > largest:
        raise ValueError(f"`margin` ({margin} px per side) leaves nothing of {name} ({shape[0]} x {shape[1]}); "
                         f"it must be at most {largest}")


def evaluate_folders(
    gt: str | os.PathLike, pred: str | os.PathLike, *, margin: int = 0, binary_masks: bool = False
) -> Evaluation:
    """Pair ground truth and prediction files by name and score them with every protocol.

    A ground-truth image without a prediction counts as all its nuclei missed;
    a prediction without ground truth is an error (it cannot be scored).
    Every file must be an instance-label image: a binary mask or an intensity
    image is refused (see :func:`advseg.data.masks.read_instance_labels`)
    unless ``binary_masks``.

    Parameters
    ----------
    gt, pred : path-like
        Folders of label images (see :func:`label_files`).
    margin : int, optional
        Pixels the paper's protocol crops per side; at least 0, and less than
        half of every image's side.
    binary_masks : bool, optional
        Label the connected regions of every mask (ground truth and prediction).

    Returns
    -------
    Evaluation

    Raises
    ------
    ValueError
        In one line naming the file, before any scoring.
    """
    check_margin(margin)  # the sign and type, before reading anything
    true_files, pred_files = label_files(gt), label_files(pred, prediction=True)
    extra = sorted(set(pred_files) - set(true_files))
    if extra:
        raise ValueError(f"{pred_files[extra[0]]}: prediction has no ground truth in {gt} (paired as {extra[0]!r})")
    ys_true, ys_pred, missing = [], [], []
    for key, path in true_files.items():
        y_true = read_instance_labels(path, binary_masks=binary_masks)
        check_margin(margin, y_true.shape, name=str(path))
        if key in pred_files:
            y_pred = read_instance_labels(pred_files[key], binary_masks=binary_masks)
            if y_pred.shape != y_true.shape:
                raise ValueError(f"{pred_files[key]}: shape {y_pred.shape} differs from its ground truth {path.name} {y_true.shape}")
        else:
            y_pred = np.zeros_like(y_true)
            missing.append(key)
        ys_true.append(y_true)
        ys_pred.append(y_pred)
    return evaluate_labels(ys_true, ys_pred, margin=margin, missing=missing)
