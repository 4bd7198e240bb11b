"""Losses of the minimax game and of the pixel-wise baselines.

With ``D = sigmoid(logit)`` the discriminator's probability that a
segmentation is manual:

* discriminator (eq. 3, negated to be minimised):
  ``-[log D(I, Γ_M) + log(1 - D(I, E(I)))]``, averaged over the 2B pairs;
* estimator, saturating (what the value function of eq. 5 implies), minimised: ``log(1 - D(I, E(I)))``;
* estimator, non-saturating (eq. 4 as printed, ``log D(I, E(I))``, read as maximised; the original
  code): ``-log D(I, E(I))``;
* pixel cross-entropy (the "CE Loss" baseline), optionally with the original
  code's double softmax;
* hybrid: ``(1 - p) * adversarial + p * cross-entropy``.

Patch discriminators return a map of logits; every loss averages over all of them.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = [
    "ESTIMATOR_LOSSES",
    "cross_entropy_loss",
    "discriminator_loss",
    "estimator_loss",
    "hybrid_loss",
]


def discriminator_loss(logits_manual: torch.Tensor, logits_estimated: torch.Tensor, *, real_label: float = 1.0) -> torch.Tensor:
    """Binary cross-entropy of D on manual (label ``real_label``, 1 by default) and estimated (label 0) pairs.

    Parameters
    ----------
    logits_manual, logits_estimated : (B, ...) tensor
        D's logits on (image, manual) and (image, estimated) pairs.
    real_label : float, optional
        One-sided label smoothing (Salimans et al. 2016): the manual pairs'
        target, e.g. 0.9; the estimated pairs' stays 0.

    Returns
    -------
    scalar tensor
        The mean over all 2B pairs: ``0.5 * (BCE(manual, 1) + BCE(estimated, 0))``.

    Examples
    --------
    >>> round(float(discriminator_loss(torch.zeros(4, 1), torch.zeros(4, 1))), 4)  # D = 0.5: log 2
    0.6931
    """
    if not 0.5 < real_label <= 1.0:
        raise ValueError(f"`real_label` must be in (0.5, 1], got {real_label}")
    real = F.binary_cross_entropy_with_logits(logits_manual, torch.full_like(logits_manual, real_label))
    fake = F.binary_cross_entropy_with_logits(logits_estimated, torch.zeros_like(logits_estimated))
    return 0.5 * (real + fake)


def _non_saturating(logits_estimated: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits_estimated, torch.ones_like(logits_estimated))  # -log D


def _saturating(logits_estimated: torch.Tensor) -> torch.Tensor:
    return -F.binary_cross_entropy_with_logits(logits_estimated, torch.zeros_like(logits_estimated))  # log(1 - D)


# form -> loss(logits on (image, estimated) pairs)
ESTIMATOR_LOSSES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "non_saturating": _non_saturating,
    "saturating": _saturating,
}


def estimator_loss(logits_estimated: torch.Tensor, *, form: str = "non_saturating") -> torch.Tensor:
    """The estimator's adversarial loss.

    Parameters
    ----------
    logits_estimated : (B, ...) tensor
        D's logits on (image, estimated) pairs.
    form : {"non_saturating", "saturating"}
        ``-log D`` (original code; strong gradients while D wins) or
        ``log(1 - D)`` (implied by the paper's eq. 5; its gradient vanishes as D -> 0).

    Returns
    -------
    scalar tensor

    Examples
    --------
    >>> z = torch.zeros(3, 1)  # D = 0.5
    >>> round(float(estimator_loss(z)), 4), round(float(estimator_loss(z, form="saturating")), 4)
    (0.6931, -0.6931)
    """
    if form not in ESTIMATOR_LOSSES:
        raise ValueError(f"`form` must be one of {sorted(ESTIMATOR_LOSSES)}, got {form!r}")
    return ESTIMATOR_LOSSES[form](logits_estimated)


def cross_entropy_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    *,
    class_weights: torch.Tensor | None = None,
    double_softmax: bool = False,
) -> torch.Tensor:
    """Pixel-wise cross-entropy between three-class logits and class targets.

    Parameters
    ----------
    logits : (B, 3, H, W) tensor
    targets : (B, H, W) tensor of int64
    class_weights : (3,) tensor, optional
        Per-class weights (the hybrid loss's weighted cross-entropy).
    double_softmax : bool, optional
        Reproduce the original code's bug: softmax *probabilities* passed to a
        function that expects logits, so a second softmax squashes them and
        the gradients flatten.

    Returns
    -------
    scalar tensor

    Examples
    --------
    >>> logits = torch.tensor([[[[0.0]], [[0.0]], [[0.0]]]])  # uniform over 3 classes
    >>> round(float(cross_entropy_loss(logits, torch.zeros(1, 1, 1, dtype=torch.long))), 4)  # log 3
    1.0986
    """
    if logits.ndim != 4 or logits.shape[1] != 3:
        raise ValueError(f"`logits` must have shape (B, 3, H, W), got {tuple(logits.shape)}")
    if targets.shape != (logits.shape[0], *logits.shape[2:]):
        raise ValueError(f"`targets` must have shape {(logits.shape[0], *logits.shape[2:])}, got {tuple(targets.shape)}")
    if double_softmax:
        logits = torch.softmax(logits, dim=1)
    return F.cross_entropy(logits, targets, weight=class_weights)


def hybrid_loss(adversarial: torch.Tensor, cross_entropy: torch.Tensor, *, weight: float) -> torch.Tensor:
    """``(1 - weight) * adversarial + weight * cross_entropy``.

    Examples
    --------
    >>> float(hybrid_loss(torch.tensor(2.0), torch.tensor(4.0), weight=0.25))
    2.5
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"`weight` must be in [0, 1], got {weight}")
    return (1.0 - weight) * adversarial + weight * cross_entropy
