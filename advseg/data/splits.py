"""Train / validation / evaluation splits for any data set the package can load.

* ``synthetic-h1299``: the paper protocol (N_train frames of the 11-frame
  training pool, 4 validation frames, 57 evaluation frames).
* A folder with ``index.csv`` holding a ``split`` column (the DSB2018 set):
  N_train images drawn with the seed from ``train``, validation on ``val``,
  evaluation on ``test``.
* Any other layout: the same rule that made the DSB2018 split, applied to the
  image names (first 8 hex digits of sha256(name) mod 100: < 70 train,
  < 85 validation, else evaluation), so the split is stable as files are added.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advseg.data.datasets import LAYOUTS, Sample, detect_layout, load_dataset, read_index
from advseg.data.embedded import canonical_data, synthetic_h1299, synthetic_version

__all__ = ["Splits", "hash_split", "make_splits"]


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
        If ``n_train`` is out of range or a split is empty.
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
    layout = detect_layout(root)
    if (root / "index.csv").is_file():
        index = read_index(root / "index.csv")
        rule = "index.csv split column"
    else:
        index = {pair[0]: hash_split(pair[0]) for pair in LAYOUTS[layout].pairs(root)}
        rule = "sha256(name) split (70/15/15)"
    by_split = {split: sorted(name for name, s in index.items() if s == split) for split in ("train", "val", "test")}
    for split, names in by_split.items():
        if not names:
            raise ValueError(f"{root}: the {split!r} split is empty ({rule}); it needs at least one image")
    train_names = _choose(by_split["train"], n_train, seed, root)
    train = load_dataset(root, names=train_names, binary_masks=binary_masks).subset(train_names)
    return Splits(
        data=str(root),
        train=train,
        validation=load_dataset(root, names=by_split["val"], binary_masks=binary_masks).samples,
        evaluation=load_dataset(root, names=by_split["test"], binary_masks=binary_masks).samples,
        rule=f"{rule}: {n_train} of {len(by_split['train'])} train images (seed {seed}), "
        f"{len(by_split['val'])} validation, {len(by_split['test'])} evaluation",
    )
