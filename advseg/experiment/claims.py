"""The paper's claims, each tested against the sweep's results.

A claim is a comparison of two table cells (method, N_train) under the paper's
protocol. Cells with the same seed train on the same images, so the two are
compared seed by seed: the claim *holds* on a data set when the mean paired
difference goes the way the paper says and its 95 % interval excludes zero (the
claim's margin), is *not supported* when it goes the other way and its interval
excludes zero, and is *unclear* when the interval includes zero, whichever way
the mean goes. Cells without shared seeds fall back to comparing the two
intervals; a single seed on either side is marked ``(one seed)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from advseg.experiment.statistics import Summary, find, paired_difference

__all__ = ["CLAIMS", "GAME_CLAIMS", "METRIC_NAMES", "PEER_CLAIMS", "Claim", "claim_table", "verdict", "verdict_flips", "verdict_table"]

METRIC_NAMES = {"paper_f": "F", "f1": "F1@0.5", "seg": "SEG", "f1@0.75": "F1@0.75", "pq": "PQ", "ap": "AP",
                "paper_precision": "precision", "paper_recall": "recall",
                "val_paper_f": "validation F", "val_f1": "validation F1@0.5"}  # short names for column labels


@dataclass(frozen=True)
class Claim:
    """``first`` scores at least ``margin`` above ``second`` (negative margin: at most that far below)."""

    text: str
    paper: str  # the paper's evidence
    first: tuple[str, int]  # (method, N_train)
    second: tuple[str, int]
    margin: float = 0.0  # in F (0..1)


CLAIMS: tuple[Claim, ...] = (
    Claim("one annotated frame suffices (ADV-1 within 2 points of ADV-11)", "85.8 vs 86.1",
          ("adversarial", 1), ("adversarial", 11), margin=-0.02),
    Claim("adversarial training beats cross-entropy (ADV-11 > CE-11)", "86.1 vs 4.7", ("adversarial", 11), ("ce", 11)),
    Claim("adversarial training beats Ilastik (ADV-11 > Ilastik)", "86.1 vs 85.3", ("adversarial", 11), ("ilastik-style", 11)),
    Claim("with two frames it already beats Ilastik (ADV-2 > Ilastik)", "86.3 vs 85.3", ("adversarial", 2), ("ilastik-style", 11)),
)

# the questions of the chapter on making the game work: does a stable adversarial loss beat cross-entropy,
# and where? ``adversarial-stable`` plays on the default's estimator, so ``recommended-flat-fit`` (the same network,
# budget and cut, cross-entropy alone) isolates the loss; ``ce`` and ``adversarial`` are the paper's columns, and
# ``adversarial-stable-st`` (the straight-through game tried first) is paired with its own cross-entropy twin.
GAME_CLAIMS: tuple[Claim, ...] = (
    Claim("from one frame the adversarial term helps (stable ADV-1 > the same estimator's CE-1)", "85.8 (ADV-1); CE-1 not reported",
          ("adversarial-stable", 1), ("recommended-flat-fit", 1)),
    Claim("... and with eleven (stable ADV-11 > the same estimator's CE-11)", "86.1 vs 4.7 (ADV-11 vs CE-11)",
          ("adversarial-stable", 11), ("recommended-flat-fit", 11)),
    Claim("the stable configuration beats the paper's game from one frame (stable ADV-1 > ADV-1)", "—",
          ("adversarial-stable", 1), ("adversarial", 1)),
    Claim("the stable configuration beats the paper's cross-entropy from one frame (stable ADV-1 > CE-1)", "—",
          ("adversarial-stable", 1), ("ce", 1)),
    Claim("the straight-through game helps from one frame (adversarial-stable-st > recommended, N_train = 1)", "—",
          ("adversarial-stable-st", 1), ("recommended", 1)),
)


# the field's peer (issue: the peer beside the paper): advseg train's default against Cellpose 3 trained from scratch
# on the same frames, at every N_train of the sweep; read under F1@0.5 (the paper's F ignores Cellpose's contours)
PEER_CLAIMS: tuple[Claim, ...] = tuple(
    Claim(f"advseg train's default beats the field's peer from {n} frame{'s' if n > 1 else ''} "
          f"(recommended-flat-fit > cellpose-scratch, N_train = {n})", "—",
          ("recommended-flat-fit", n), ("cellpose-scratch", n))
    for n in (1, 2, 4, 11, 365))


def verdict(first: Summary | None, second: Summary | None, *, margin: float = 0.0) -> str:
    """``holds``, ``not supported``, ``unclear`` or ``no results``.

    Examples
    --------
    >>> a = Summary("d", "adversarial", 11, "paper_f", (0.86, 0.87, 0.85), (0, 1, 2))
    >>> b = Summary("d", "ce", 11, "paper_f", (0.80, 0.81, 0.79), (0, 1, 2))
    >>> verdict(a, b), verdict(b, a)
    ('holds', 'not supported')

    Paired by seed, a consistent gap is clear even where the seeds spread widely:

    >>> c = Summary("d", "ce", 11, "paper_f", (0.90, 0.70, 0.80), (0, 1, 2))
    >>> d = Summary("d", "adversarial", 11, "paper_f", (0.80, 0.61, 0.69), (0, 1, 2))
    >>> verdict(d, c)
    'not supported'

    A mean that goes the paper's way is not enough when the interval spans zero:

    >>> e = Summary("d", "ce", 11, "paper_f", (0.84, 0.92, 0.80), (0, 1, 2))
    >>> verdict(a, e)
    'unclear'
    """
    if first is None or second is None:
        return "no results"
    paired = paired_difference(first, second)
    if paired is not None and paired.n >= 2:
        return _read(paired.mean - margin, paired.half_width)
    difference = first.mean - second.mean - margin
    spread = first.half_width + second.half_width
    if math.isnan(spread):
        return ("holds" if difference >= 0 else "not supported") + " (one seed)"
    return _read(difference, spread)


def _read(difference: float, half_width: float) -> str:
    """The verdict on a difference (beyond the margin) and its 95 % half-width."""
    if abs(difference) <= half_width:
        return "unclear"
    return "holds" if difference > 0 else "not supported"


def _compare(results: pd.DataFrame, claim: Claim, data: str, metric: str) -> tuple[Summary | None, Summary | None]:
    first = find(results, data=data, method=claim.first[0], n_train=claim.first[1], metric=metric)
    second = find(results, data=data, method=claim.second[0], n_train=claim.second[1], metric=metric)
    return first, second


def claim_table(results: pd.DataFrame, *, data: Sequence[str] = ("synthetic-h1299-v2", "dsb2018"),
                metric: str = "paper_f", claims: Sequence[Claim] = CLAIMS) -> pd.DataFrame:
    """One row per claim: the paper's numbers, ours per data set (first vs second, their paired difference, in %), the verdict.

    ``claims`` are the paper's (:data:`CLAIMS`) unless given, e.g. :data:`GAME_CLAIMS`.
    """
    name = METRIC_NAMES.get(metric, metric)
    rows = []
    for claim in claims:
        row = {"claim": claim.text, "paper (F %)": claim.paper}
        for d in data:
            first, second = _compare(results, claim, d, metric)
            paired = paired_difference(first, second) if first and second else None
            row[f"{d} ({name} %)"] = f"{first.text()} vs {second.text()}" if first and second else "—"
            row[f"{d}: difference"] = paired.text(signed=True) if paired else "—"
            row[f"{d}: verdict"] = verdict(first, second, margin=claim.margin)
        rows.append(row)
    return pd.DataFrame(rows)


def verdict_table(results: pd.DataFrame, *, data: Sequence[str] = ("synthetic-h1299-v2", "dsb2018"),
                  metrics: Sequence[str] = ("paper_f", "f1", "seg")) -> pd.DataFrame:
    """One row per claim, one column per (data set, metric): the verdict and the paired difference in points.

    The claims are the paper's, made under its F; the same comparison under
    other metrics shows whether a verdict depends on how nuclei are scored.
    """
    rows = []
    for claim in CLAIMS:
        row = {"claim": claim.text}
        for d in data:
            for metric in metrics:
                first, second = _compare(results, claim, d, metric)
                paired = paired_difference(first, second) if first and second else None
                shown = verdict(first, second, margin=claim.margin)
                row[f"{d}: {METRIC_NAMES.get(metric, metric)}"] = f"{shown} ({paired.text(signed=True)})" if paired else shown
        rows.append(row)
    return pd.DataFrame(rows)


def verdict_flips(results: pd.DataFrame, *, data: Sequence[str] = ("synthetic-h1299-v2", "dsb2018"),
                  metrics: Sequence[str] = ("paper_f", "f1", "seg")) -> list[str]:
    """One sentence per (claim, data set) whose verdict changes with the metric; none when every metric agrees."""
    sentences = []
    for claim in CLAIMS:
        for d in data:
            verdicts = {METRIC_NAMES.get(m, m): verdict(*_compare(results, claim, d, m), margin=claim.margin) for m in metrics}
            if len(set(verdicts.values())) > 1:
                sentences.append(f"{claim.text} on {d}: " + ", ".join(f"{v} under {m}" for m, v in verdicts.items()))
    return sentences
