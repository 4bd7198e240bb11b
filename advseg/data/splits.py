"""Train / validation / evaluation splits for any data set the package can load.

* ``synthetic-h1299``: the paper protocol (N_train frames of the 11-frame
  training pool, 4 validation frames, 57 evaluation frames).
* A folder with ``index.csv`` holding a ``split`` column (the DSB2018 set):
  N_train images drawn with the seed from ``train``, validation on ``val``,
  evaluation on ``test``.
* Any other layout: the same rule that made the DSB2018 split, applied to the
  image names (first 8 hex digits of sha256(name) mod 100: < 70 train,
  < 85 validation, else evaluation), so the split is stable as files are added.
* A folder too small for that rule to fill all three splits (a few annotated
  frames of one movie): N_train frames drawn with the seed train; the others,
  in name order, alternate between validation and evaluation. With a single
  frame left it validates; with none, the model is selected on its training
  frames and not scored (an :class:`~advseg.data.diameter.AnnotationWarning`
  says so). An ``index.csv`` without ``val`` or ``test`` rows is treated the
  same way.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advseg.data.datasets import LAYOUTS, Sample, detect_layout, load_dataset, read_index
from advseg.data.diameter import AnnotationWarning
from advseg.data.embedded import canonical_data, synthetic_h1299, synthetic_version

__all__ = ["Splits", "hash_split", "make_splits", "split_names"]


@dataclass(frozen=True, eq=False)
class Splits:
    """The frames a run trains on, selects models on, and reports on."""

    data: str  # the data set's name or path
    train: tuple[Sample, ...]  # exactly the N_train annotated frames used for training
    validation: tuple[Sample, ...]  # model selection only
    evaluation: tuple[Sample, ...]  # reported results only
    rule: str  # how the split was made, in words


def hash_split(name: str) -> str:
    """The stable split of an image name: ``"train"``, ``"val"`` or ``"test"``.

    Examples
    --------
    >>> hash_split("00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552")
    'val'
    """
    bucket = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else "val" if bucket < 85 else "test"


def _choose(names: list[str], n_train: int, seed: int, root: Path) -> list[str]:
    if not 1 <= n_train <= len(names):
        raise ValueError(f"`n_train` must be between 1 and {len(names)} (training images in {root}), got {n_train}")
    order = np.random.default_rng(seed).permutation(len(names))
    return [names[i] for i in order[:n_train]]


def make_splits(data: str | os.PathLike, *, n_train: int, seed: int = 0, binary_masks: bool = False) -> Splits:
    """Split a data set for one run.

    Parameters
    ----------
    data : str or path-like
        ``"synthetic-h1299"`` (or a versioned name, ``"synthetic-h1299-v1"``) or a folder in any layout :func:`~advseg.data.datasets.load_dataset` reads.
    n_train : int
        Annotated images to train on.
    seed : int, optional
        Draws the training images of a real data set (the synthetic protocol is fixed).
    binary_masks : bool, optional
        Label the connected regions of a folder's masks (see :func:`~advseg.data.datasets.load_dataset`).

    Returns
    -------
    Splits

    Raises
    ------
    ValueError
        If ``n_train`` is out of range, no image can train, or ``index.csv`` holds an
        unknown split or an id with no annotated image.
    """
    version = synthetic_version(data)
    if version is not None:
        synthetic = synthetic_h1299(version=version)
        return Splits(
            data=canonical_data(data),
            train=synthetic.train(n_train),
            validation=synthetic.validation,
            evaluation=synthetic.evaluation,
            rule=f"paper protocol: first {n_train} of the 11-frame training pool, 4 validation frames, 57 evaluation frames",
        )
    root = Path(data)
    by_split, rule = split_names(root)
    train_names = _choose(by_split["train"], n_train, seed, root)
    if rule.startswith("few"):
        rest = [name for name in by_split["train"] if name not in train_names]
        by_split["val"], by_split["test"] = rest[0::2], rest[1::2]
    train = load_dataset(root, names=train_names, binary_masks=binary_masks).subset(train_names)
    validation = load_dataset(root, names=by_split["val"], binary_masks=binary_masks).samples if by_split["val"] else train
    evaluation = load_dataset(root, names=by_split["test"], binary_masks=binary_masks).samples if by_split["test"] else ()
    if not by_split["val"]:
        warnings.warn(f"{root}: no annotated frame is left to choose the model on, so it is chosen on its training frames "
                      "and will fit them more than it generalises; annotate one more frame to validate on", AnnotationWarning,
                      stacklevel=2)
    return Splits(
        data=str(root),
        train=train,
        validation=tuple(validation),
        evaluation=tuple(evaluation),
        rule=f"{rule}: {n_train} of {len(by_split['train'])} train images (seed {seed}), "
        f"{len(by_split['val']) or 'no'} validation{'' if by_split['val'] else ' (the training frames instead)'}, "
        f"{len(by_split['test']) or 'no'} evaluation",
    )


def split_names(root: Path) -> tuple[dict[str, list[str]], str]:
    """The annotated image names of a folder by part (``"train"``, ``"val"``, ``"test"``), and the rule, in words.

    With too few frames for the hash rule to fill every part, all names are in
    ``"train"`` and the rule starts with ``"few frames"``: :func:`make_splits`
    then shares the frames it does not draw between validation and evaluation.

    Raises
    ------
    ValueError
        If no image can train, or ``index.csv`` holds an unknown split or an id with no annotated image.
    """
    names = sorted(pair[0] for pair in LAYOUTS[detect_layout(root)].pairs(root))
    if (root / "index.csv").is_file():
        index, rule = _checked_index(root / "index.csv", names), "index.csv split column"
    else:
        index, rule = {name: hash_split(name) for name in names}, "sha256(name) split (70/15/15)"
    by_split = {split: sorted(name for name, s in index.items() if s == split) for split in ("train", "val", "test")}
    if rule.startswith("sha256") and not all(by_split.values()):  # too few frames for the rule: all of them train
        by_split, rule = {"train": names, "val": [], "test": []}, f"few frames ({len(names)} annotated, too few for the 70/15/15 split)"
    if not by_split["train"]:
        raise ValueError(f"{root}: the 'train' split is empty ({rule}); it needs at least one annotated image")
    return by_split, rule


def _checked_index(path: Path, names: list[str]) -> dict[str, str]:
    """``index.csv`` as {id: split}, refusing split values other than train / val / test and ids with no image."""
    index = read_index(path)
    odd = sorted({split for split in index.values()} - {"train", "val", "test"})
    if odd:
        example = next(name for name, split in index.items() if split == odd[0])
        raise ValueError(f"{path}: the 'split' column must hold 'train', 'val' or 'test', got {odd[0]!r} (id {example!r})")
    missing = sorted(set(index) - set(names))
    if missing:
        raise ValueError(f"{path}: {len(missing)} id(s) have no annotated image in {path.parent}, e.g. {missing[:3]} "
                         "(an id is the image's file name without its suffix)")
    unlisted = sorted(set(names) - set(index))
    if unlisted:
        warnings.warn(f"{path}: {len(unlisted)} annotated image(s) have no row and are not used, e.g. {unlisted[:3]}",
                      AnnotationWarning, stacklevel=3)
    return index
