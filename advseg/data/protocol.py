"""The paper's data protocol: 15 annotated frames, a training pool, validation and evaluation frames."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["PAPER_N_TRAIN", "PaperProtocol", "paper_protocol"]

PAPER_N_TRAIN = (1, 2, 4, 11)  # the N_train values of the paper's Table 1


@dataclass(frozen=True)
class PaperProtocol:
    """Which frames of a time-lapse play which role.

    The paper annotated 15 randomly chosen frames of 72 and split them into a
    training set (from which N_train in {1, 2, 4, 11} are used) and a
    validation set. Here the training pool has 11 frames and the validation
    set 4; the other frames form the extended evaluation set, on which results
    are reported (the validation frames only select models).
    """

    n_frames: int  # frames in the time-lapse
    annotated: tuple[int, ...]  # the frames with manual annotation, in draw order
    train_pool: tuple[int, ...]  # annotated frames available for training, in draw order
    validation: tuple[int, ...]  # annotated frames for model selection
    evaluation: tuple[int, ...]  # all remaining frames, for reporting
    seed: int  # seed that drew the annotated frames

    def train_frames(self, n_train: int) -> tuple[int, ...]:
        """The first ``n_train`` frames of the training pool (so ADV-1 ⊂ ADV-2 ⊂ ADV-4 ⊂ ADV-11).

        Examples
        --------
        >>> p = paper_protocol(72, seed=0)
        >>> p.train_frames(2) == p.train_pool[:2]
        True
        """
        if not 1 <= n_train <= len(self.train_pool):
            raise ValueError(f"`n_train` must be between 1 and {len(self.train_pool)}, got {n_train}")
        return self.train_pool[:n_train]

    def to_dict(self) -> dict[str, Any]:
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PaperProtocol:
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})


def paper_protocol(n_frames: int = 72, *, seed: int = 0, n_annotated: int = 15, n_train_pool: int = 11) -> PaperProtocol:
    """Draw the annotated frames and split them as the paper did.

    Parameters
    ----------
    n_frames : int
        Frames in the time-lapse.
    seed : int
        Seed of the draw.
    n_annotated : int
        Frames with manual annotation (15 in the paper).
    n_train_pool : int
        Of those, frames available for training (the largest N_train, 11); the
        rest validate.

    Returns
    -------
    PaperProtocol

    Examples
    --------
    >>> p = paper_protocol(72, seed=0)
    >>> len(p.annotated), len(p.train_pool), len(p.validation), len(p.evaluation)
    (15, 11, 4, 57)
    """
    if not 0 < n_train_pool < n_annotated <= n_frames:
        raise ValueError(
            f"need 0 < n_train_pool < n_annotated <= n_frames, got {n_train_pool}, {n_annotated}, {n_frames}"
        )
    draw = np.random.default_rng(seed).permutation(n_frames)[:n_annotated]
    annotated = tuple(int(frame) for frame in draw)
    chosen = set(annotated)
    return PaperProtocol(
        n_frames=n_frames,
        annotated=annotated,
        train_pool=annotated[:n_train_pool],
        validation=tuple(sorted(annotated[n_train_pool:])),
        evaluation=tuple(frame for frame in range(n_frames) if frame not in chosen),
        seed=seed,
    )
