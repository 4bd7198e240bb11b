"""Where the paper's text and its original code differ, and measurements of what each difference changes.

:data:`DIFFERENCES` lists them (after ``shared/docs/method-notes.md``); each
names the sweep method (:data:`advseg.experiment.sweep.METHODS`) that trains the text's
version, so :func:`variant_table` can set its result beside the code's. The
other functions measure what needs no training: shapes, gradients and
optimiser steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from advseg.experiment.statistics import find, paired_difference
from advseg.nn.config import ModelConfig
from advseg.nn.estimators import build_estimator
from advseg.nn.optimizers import build_optimizer
from advseg.nn.summary import n_parameters

__all__ = ["DIFFERENCES", "Difference", "ce_gradient", "estimator_geometry", "optimizer_steps", "selection_optimism", "variant_table"]


@dataclass(frozen=True)
class Difference:
    """One difference between the paper's text and its code."""

    topic: str
    paper: str  # what the text says
    code: str  # what the code did (and this package does by default)
    variant: str | None  # the sweep method that trains the other choice, if any
    reference: str | None = None  # the sweep method it is compared with


DIFFERENCES: tuple[Difference, ...] = (
    Difference("estimator layer 4", "C(4,64): 4x4 kernel", "3x3 kernel", "ce-layer4-k4", "ce"),
    Difference("padding", "not stated (output as large as the input in the figures)", "VALID: output 20 px smaller",
               "ce-same-padding", "ce"),
    Difference("batch norm", "batch norm (scale and offset implied)", "scale and offset never trained", "ce-bn-affine", "ce"),
    Difference("cross-entropy term", "pixel-wise cross-entropy", "softmax applied twice before the cross-entropy",
               "ce-double-softmax", "ce"),
    Difference("estimator learning rate", "1e-4", "1e-3", "ce-lr-1e-4", "ce"),
    Difference("RMSProp", "RMSProp", "TensorFlow's: accumulator starts at 1, epsilon inside the root",
               "ce-rmsprop-torch", "ce"),
    Difference("estimator loss", "eq. (4) prints E[log D(I, E(I))], to be minimised (sign ambiguous); eq. (5) implies the "
               "saturating log(1 - D(I, E(I)))", "non-saturating: -log D(I, E(I)) (eq. 4 read as maximised)",
               "adversarial-saturating", "adversarial"),
    Difference("schedule", "20 D : 10 E steps, one learning rate", "same (our cpu preset: 5 : 5, D's rate 1e-5, label noise)",
               "adversarial-20-10", "adversarial"),
    Difference("discriminator layers", "C(9,8), C(5,32), C(3,64), C(4,64), F(64), F(64), F(1)",
               "three rib blocks k9n8, k7n16, k5n32, then F(64), F(64), F(1)", None),
    Difference("model selection", "not stated", "best validation F on the frames that were reported", None),
    Difference("training budget", "B = 100, ~50K iterations (GPU)", "same (our cpu preset: B = 16, 600 steps)", None),
)


def estimator_geometry(config: ModelConfig, *, crop: int = 64) -> dict[str, Any]:
    """Kernels, receptive field, output size for a ``crop``-px input, border lost per side, parameters.

    Examples
    --------
    >>> g = estimator_geometry(ModelConfig())
    >>> g["output"], g["border per side"]
    (44, '10')
    >>> estimator_geometry(ModelConfig(layer4_kernel=4))["border per side"]
    '10.5 (misaligned by half a pixel)'
    """
    estimator = build_estimator(config)
    with torch.no_grad():
        side = estimator(torch.zeros(1, 1, crop, crop)).shape[-1]
    lost = crop - side
    return {
        "layer 4": f"{config.layer4_kernel}x{config.layer4_kernel}", "padding": config.padding,
        "receptive field": estimator.receptive_field, "output": side,
        "border per side": f"{lost // 2}" if lost % 2 == 0 else f"{lost / 2:.1f} (misaligned by half a pixel)",
        "parameters": n_parameters(estimator),
    }


def ce_gradient(p_true: np.ndarray, *, double_softmax: bool) -> np.ndarray:
    """Size of d(cross-entropy)/d(logits) at one pixel whose softmax gives the true class ``p_true``.

    The other two classes share the rest equally. With ``double_softmax`` the
    loss sees the probabilities as logits, as the original code's did.

    Returns
    -------
    (N,) ndarray
        Euclidean norms of the gradient with respect to the estimator's logits.
    """
    p_true = np.asarray(p_true, dtype=float)
    rest = np.log((1 - p_true) / 2)
    logits = torch.tensor(np.stack([np.log(p_true), rest, rest], axis=1), requires_grad=True)  # (N, 3)
    inputs = torch.softmax(logits, dim=1) if double_softmax else logits
    loss = torch.nn.functional.cross_entropy(inputs, torch.zeros(len(p_true), dtype=torch.long), reduction="sum")
    loss.backward()
    return logits.grad.norm(dim=1).numpy()


def optimizer_steps(name: str, gradient: float, *, lr: float = 1e-3, steps: int = 5) -> np.ndarray:
    """The first ``steps`` updates of one weight under a constant ``gradient`` (optimiser ``name``)."""
    weight = torch.zeros(1, requires_grad=True)
    optimizer = build_optimizer(name, [weight], lr=lr)
    sizes = []
    for _ in range(steps):
        before = float(weight.detach())
        optimizer.zero_grad()
        weight.grad = torch.full((1,), gradient)
        optimizer.step()
        sizes.append(abs(float(weight.detach()) - before))
    return np.array(sizes)


def variant_table(results: pd.DataFrame, *, data: str = "synthetic-h1299-v2", n_train: int = 4,
                  metrics: Sequence[str] = ("paper_f", "f1", "seg")) -> pd.DataFrame:
    """Each trainable difference: the code's choice and the text's, side by side (mean over seeds, in %)."""
    rows = []
    for difference in DIFFERENCES:
        if difference.variant is None:
            continue
        row = {"difference": difference.topic, "code": difference.reference, "text": difference.variant}
        for metric in metrics:
            code = find(results, data=data, method=difference.reference, n_train=n_train, metric=metric)
            text = find(results, data=data, method=difference.variant, n_train=n_train, metric=metric)
            row[f"{metric}: code"] = code.text() if code else "—"
            row[f"{metric}: text"] = text.text() if text else "—"
            change = paired_difference(text, code) if code and text else None
            row[f"{metric}: change"] = change.text(signed=True) if change else "—"
        rows.append(row)
    return pd.DataFrame(rows)


def selection_optimism(results: pd.DataFrame) -> pd.DataFrame:
    """How much better the selected model looks on the frames that selected it than on unseen frames.

    The original code reported the score on the frames it selected the model
    with; the gap between the two columns is what that adds.
    """
    column = "validation.val_paper_f"
    if column not in results:
        return pd.DataFrame()
    runs = results.dropna(subset=[column]).assign(optimism=lambda r: r[column] - r["paper_f"])
    mean = lambda v: round(100 * float(np.mean(v)), 1)  # noqa: E731 -- in points
    table = runs.groupby(["data", "method"]).agg(runs=("seed", "size"), selection=(column, mean),
                                                 evaluation=("paper_f", mean), optimism=("optimism", mean))
    return table.reset_index().rename(columns={"selection": "F on selection frames (%)",
                                               "evaluation": "F on evaluation frames (%)", "optimism": "optimism (points)"})
