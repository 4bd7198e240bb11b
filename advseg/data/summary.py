"""A data set in numbers: sizes, dtypes, nuclei and touching pairs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from advseg.data.datasets import Dataset
from advseg.data.targets import touching_pairs

__all__ = ["DatasetSummary", "summarize"]


@dataclass(frozen=True)
class DatasetSummary:
    """What :func:`summarize` found."""

    layout: str  # key of advseg.data.datasets.LAYOUTS
    n_images: int
    n_nuclei: int  # over all images
    nuclei_per_image: tuple[int, float, int]  # min, median, max
    n_touching_pairs: int  # over all images: the pairs the contour class must separate
    sizes: tuple[tuple[str, int], ...]  # ("HxW", count), most common first
    dtypes: tuple[tuple[str, int], ...]  # (dtype, count), most common first
    empty: tuple[str, ...]  # names of images without nuclei

    def lines(self, *, limit: int = 4) -> list[str]:
        """Readable lines, as ``advseg data check`` prints them."""

        def top(pairs: tuple[tuple[str, int], ...]) -> str:
            shown = ", ".join(f"{key} ({n})" for key, n in pairs[:limit])
            rest = sum(n for _, n in pairs[limit:])
            return shown + (f", {rest} other" if rest else "")

        low, median, high = self.nuclei_per_image
        lines = [
            f"images        {self.n_images}",
            f"nuclei        {self.n_nuclei} (per image: min {low}, median {median:g}, max {high})",
            f"touching      {self.n_touching_pairs} pairs of touching nuclei",
            f"sizes         {top(self.sizes)}",
            f"image dtypes  {top(self.dtypes)}",
        ]
        if self.empty:
            lines.append(f"note          {len(self.empty)} image(s) without nuclei, e.g. {self.empty[0]}")
        return lines


def summarize(dataset: Dataset) -> DatasetSummary:
    """Count images, nuclei and touching pairs, and tally sizes and dtypes.

    Parameters
    ----------
    dataset : Dataset

    Returns
    -------
    DatasetSummary
    """
    nuclei = np.array([sample.n_nuclei for sample in dataset])
    sizes = Counter(f"{s.image.shape[0]}x{s.image.shape[1]}" for s in dataset)
    dtypes = Counter(sample.dtype for sample in dataset)
    return DatasetSummary(
        layout=dataset.layout,
        n_images=len(dataset),
        n_nuclei=int(nuclei.sum()),
        nuclei_per_image=(int(nuclei.min()), float(np.median(nuclei)), int(nuclei.max())),
        n_touching_pairs=sum(len(touching_pairs(sample.labels)) for sample in dataset),
        sizes=tuple(sizes.most_common()),
        dtypes=tuple(dtypes.most_common()),
        empty=tuple(sample.name for sample in dataset if sample.n_nuclei == 0),
    )
