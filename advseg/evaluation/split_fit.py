"""The cut of touching nuclei fitted to a model on its validation frames (post-processing ``watershed-fit``).

``watershed-split`` cuts an interior at the tops of its distance to the edge. How
deep a top must be, and whether pixels the network half calls contour count as
edge, depend on the data and on the model: on the synthetic movie (crowded round
nuclei whose separating contours the network sees only faintly) a shallow depth
with the contour as a barrier recovers most merged nuclei, while on DSB2018 the
same barrier cuts nuclei apart (the results chapter measures both).
:func:`fit_split` scores every setting of :data:`SPLIT_GRID` on annotated
validation frames and keeps the best, so the choice uses no evaluation frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from advseg.data.datasets import Sample
from advseg.evaluation.metrics import matching_dataset
from advseg.evaluation.postprocess import SPLIT_DEPTH, split_watershed_instances

__all__ = ["SPLIT_GRID", "fit_model_split", "fit_split"]

#: (depth as a fraction of the diameter, contour barrier or None); the default cut first, so a tie keeps it
SPLIT_GRID: tuple[tuple[float, float | None], ...] = tuple(
    (depth, barrier) for depth in (SPLIT_DEPTH, 0.075, 0.05) for barrier in (None, 0.4, 0.3, 0.2))


def fit_split(probs: Sequence[np.ndarray], truths: Sequence[np.ndarray], *, min_size: int,
              diameter: float | None) -> dict[str, float | None]:
    """The ``watershed-split`` setting with the best F1@0.5 on annotated frames.

    Parameters
    ----------
    probs : sequence of (3, H, W) ndarray
        The model's probabilities for each validation frame.
    truths : sequence of (H, W) ndarray of int
        Their instance labels.
    min_size : int
        Smallest nucleus kept, px.
    diameter : float or None
        The nuclei's typical diameter, px (as ``watershed-split`` takes it).

    Returns
    -------
    dict
        ``depth``, ``barrier`` (None: no barrier), ``f1`` (the chosen setting's) and
        ``default_f1`` (the default cut's), on these frames.

    Examples
    --------
    Two round nuclei over a wide neck, their contour half seen: only a barrier cuts them.

    >>> yy, xx = np.mgrid[:60, :80]
    >>> two = ((yy - 30) ** 2 + (xx - 32) ** 2 < 225) | ((yy - 30) ** 2 + (xx - 48) ** 2 < 225)
    >>> probs = np.stack([~two, two, np.zeros_like(two)]).astype(float)
    >>> probs[1][two & (xx == 40)], probs[2][two & (xx == 40)] = 0.65, 0.35
    >>> truth = np.where(two, np.where(xx < 40, 1, 2), 0)
    >>> fit = fit_split([probs], [truth], min_size=1, diameter=30.0)
    >>> fit["barrier"], fit["f1"], round(fit["default_f1"], 3)  # uncut, the pair matches one of its two nuclei
    (0.3, 1.0, 0.667)
    """
    if len(probs) == 0 or len(probs) != len(truths):
        raise ValueError(f"`probs` and `truths` must be equally many and not empty, got {len(probs)} and {len(truths)}")
    scores = {}
    for depth, barrier in SPLIT_GRID:
        labels = [split_watershed_instances(p, min_size=min_size, diameter=diameter, depth=depth, barrier=barrier) for p in probs]
        scores[depth, barrier] = matching_dataset(list(truths), labels, thresh=0.5).f1
    (depth, barrier), f1 = max(scores.items(), key=lambda item: item[1])  # the first of equals: the default when it ties
    return {"depth": depth, "barrier": barrier, "f1": float(f1), "default_f1": float(scores[SPLIT_GRID[0]])}


def fit_model_split(model: Any, validation: Sequence[Sample], *, min_size: int) -> dict[str, float | None]:
    """:func:`fit_split` for a loaded model file on annotated frames, as its training run fits it.

    A model trained at one nucleus size (``model.data_config.train_diameter``) sees each
    frame rescaled from its estimated nucleus size to that size, as ``advseg segment``
    rescales an image; any other model sees the frames as they are.

    Parameters
    ----------
    model : advseg.training.modelfile.LoadedModel
        Its ``predict``, ``data_config`` and ``metadata["diameter"]`` are used.
    validation : sequence of Sample
        Annotated frames no training step saw (a validation split).
    min_size : int
        Smallest nucleus kept, px.

    Returns
    -------
    dict
        As :func:`fit_split` returns it.
    """
    from advseg.evaluation.scale import to_diameter

    if model.data_config.train_diameter:
        validation, _ = to_diameter(validation, model.data_config.train_diameter, annotated=False)
    return fit_split(model.predict([s.image for s in validation]), [s.labels for s in validation], min_size=min_size,
                     diameter=model.metadata.get("diameter"))
