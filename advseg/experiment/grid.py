"""The Table 1 grid: which data sets, methods, N_train and seeds make a cell, and where its files go."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from advseg.data.embedded import canonical_data
from advseg.training.methods import METHODS, VALIDATION_IMAGES

__all__ = ["ABLATIONS", "DATASETS", "TABLE_METHODS", "VALIDATION_IMAGES", "Cell", "grid"]

DATASETS = ("synthetic-h1299-v2", "dsb2018")  # names advseg.data.paths.resolve_data knows (the synthetic set by version)
TABLE_METHODS = ("adversarial", "ce", "hybrid", "ilastik-style", "watershed")  # the Table 1 grid
ABLATIONS = ("ce-double-softmax", "ce-layer4-k4", "ce-same-padding", "ce-bn-affine", "ce-lr-1e-4", "ce-rmsprop-torch",
             "adversarial-saturating", "adversarial-20-10")  # paper-versus-code differences


@dataclass(frozen=True)
class Cell:
    """One run of the grid."""

    seed: int
    data: str  # "synthetic-h1299-v2" (or -v1), "dsb2018" or a data set folder; the alias "synthetic-h1299" becomes -v2
    n_train: int
    method: str  # a key of METHODS
    preset: str = "cpu"  # training preset of estimator cells ("cpu", "cpu-2x", "cpu-4x" or "paper")

    @property
    def name(self) -> str:
        return f"n{self.n_train}-s{self.seed}"

    def _folder(self, root: Path) -> Path:
        return Path(root) / self.preset / Path(self.data).name / self.method

    def result_path(self, results: str | os.PathLike) -> Path:
        """Where the cell's result file goes."""
        return self._folder(Path(results)) / f"{self.name}.json"

    def run_dir(self, runs: str | os.PathLike) -> Path:
        """Where the cell's run folder goes."""
        return self._folder(Path(runs)) / self.name


def grid(
    *, data: Iterable[str] = DATASETS, methods: Iterable[str] = TABLE_METHODS,
    n_train: Iterable[int] = (1, 2, 4, 11), seeds: Iterable[int] = (0, 1, 2), preset: str = "cpu",
) -> list[Cell]:
    """Every cell, seed first: a sweep stopped early has covered the whole table with fewer seeds.

    Examples
    --------
    >>> cells = grid(data=["synthetic-h1299"], methods=["ce"], n_train=[1, 4], seeds=[0, 1])
    >>> [c.name for c in cells], cells[0].data
    (['n1-s0', 'n4-s0', 'n1-s1', 'n4-s1'], 'synthetic-h1299-v2')
    """
    methods = list(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"`methods` must be among {sorted(METHODS)}, got {unknown}")
    return [Cell(seed=s, data=canonical_data(d), n_train=n, method=m, preset=preset)
            for s in seeds for d in data for n in n_train for m in methods]
