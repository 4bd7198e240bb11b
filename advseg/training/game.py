"""What the discriminator sees, and the stabilisers of the game that change it.

The manual segmentation enters D as one-hot maps, optionally moved towards
random soft labels (the code's label noise, ``manual_smoothing``); the estimate
enters as softmax probabilities or, with ``d_input="straight_through"``, as its
one-hot argmax with the softmax's gradient (so that D cannot win on softness
alone). Instance noise adds the same Gaussian noise level to both, annealed to
0 over training; the R1 penalty punishes D's gradient at manual inputs. A D
that already tells the two apart can be held back (``d_max_accuracy``): its
accuracy is measured on each of its steps' pairs before the update.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["annealed", "centre_crop", "discriminator_accuracy", "estimate_view", "hold_back", "manual_maps", "one_hot_maps", "r1_penalty"]


def centre_crop(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Crop the last two axes of ``x`` to ``size`` around the centre (the estimator's output window)."""
    H, W = x.shape[-2:]
    top, left = (H - size[0]) // 2, (W - size[1]) // 2
    return x[..., top : top + size[0], left : left + size[1]]


def one_hot_maps(classes: torch.Tensor) -> torch.Tensor:
    """(B, s, s) class indices -> (B, 3, s, s) one-hot maps, float32."""
    return F.one_hot(classes, 3).permute(0, 3, 1, 2).float()


def manual_maps(targets: torch.Tensor, *, smoothing: float = 0.0) -> torch.Tensor:
    """(B, s, s) class indices -> (B, 3, s, s) maps, each pixel moved up to ``smoothing`` towards a random soft label.

    Examples
    --------
    >>> manual_maps(torch.tensor([[[0, 2]]])).tolist()
    [[[[1.0, 0.0]], [[0.0, 0.0]], [[0.0, 1.0]]]]
    """
    manual = one_hot_maps(targets)  # (B, 3, s, s)
    if smoothing:
        # label noise: so D cannot tell manual from estimated by exact 0s and 1s alone
        amount = smoothing * torch.rand_like(manual[:, :1])  # (B, 1, s, s)
        noise = torch.rand_like(manual)
        manual = (1 - amount) * manual + amount * noise / noise.sum(dim=1, keepdim=True)
    return manual


def estimate_view(probs: torch.Tensor, *, mode: str = "soft") -> torch.Tensor:
    """The estimate as D sees it: softmax ``probs`` themselves, or their one-hot argmax with soft gradients.

    Parameters
    ----------
    probs : (B, 3, s, s) tensor
    mode : {"soft", "straight_through"}

    Examples
    --------
    >>> p = torch.tensor([[[[0.2]], [[0.7]], [[0.1]]]], requires_grad=True)
    >>> view = estimate_view(p, mode="straight_through")
    >>> view.flatten().tolist(), view.requires_grad
    ([0.0, 1.0, 0.0], True)
    """
    if mode == "soft":
        return probs
    if mode != "straight_through":
        raise ValueError(f"`mode` must be 'soft' or 'straight_through', got {mode!r}")
    hard = one_hot_maps(probs.argmax(dim=1)).to(probs.dtype)
    return hard - probs.detach() + probs  # values of hard, gradient of probs


def annealed(start: float, step: int, total: int) -> float:
    """``start`` decreased linearly to 0 at step ``total`` (instance noise's schedule).

    >>> annealed(0.2, 0, 100), annealed(0.2, 50, 100), annealed(0.2, 150, 100)
    (0.2, 0.1, 0.0)
    """
    return start * max(0.0, 1.0 - step / total) if total > 0 else 0.0


def r1_penalty(logits_manual: torch.Tensor, manual: torch.Tensor, *, gamma: float) -> torch.Tensor:
    """R1: ``gamma / 2`` times the mean squared norm of D's gradient at the manual inputs (Mescheder et al. 2018).

    Parameters
    ----------
    logits_manual : (B, ...) tensor
        D's logits on the manual pairs, computed from ``manual``.
    manual : (B, 3, s, s) tensor
        D's manual inputs, with ``requires_grad``.
    gamma : float

    Returns
    -------
    scalar tensor, differentiable with respect to D's weights
    """
    (grad,) = torch.autograd.grad(logits_manual.sum(), manual, create_graph=True)
    return 0.5 * gamma * grad.pow(2).flatten(1).sum(dim=1).mean()


def discriminator_accuracy(logits_manual: torch.Tensor, logits_estimated: torch.Tensor) -> torch.Tensor:
    """The share of D's decisions that are right: manual pairs above 0 (D > 0.5), estimated pairs below.

    Parameters
    ----------
    logits_manual, logits_estimated : (B, ...) tensor
        D's logits on manual and estimated pairs (a patch discriminator's every patch counts once).

    Returns
    -------
    scalar tensor in [0, 1]

    Examples
    --------
    >>> float(discriminator_accuracy(torch.tensor([[2.0], [-1.0]]), torch.tensor([[-3.0], [-0.5]])))
    0.75
    """
    right = torch.cat([(logits_manual > 0).flatten(), (logits_estimated < 0).flatten()])
    return right.float().mean()


def hold_back(logits_manual: torch.Tensor, logits_estimated: torch.Tensor, *,
              max_accuracy: float) -> tuple[bool, dict[str, torch.Tensor]]:
    """Whether D's update on these pairs is skipped because D already wins, and what to log of it.

    Parameters
    ----------
    logits_manual, logits_estimated : (B, ...) tensor
        D's logits on the step's manual and estimated pairs, before its update.
    max_accuracy : float
        The largest share of right decisions at which D still learns; 1 or more: never held
        back (nothing measured, nothing logged, no read from the device).

    Returns
    -------
    held : bool
    record : dict
        ``{"d_accuracy": scalar tensor, "d_held": 0. or 1.}``, empty when ``max_accuracy >= 1``.
    """
    if max_accuracy >= 1.0:
        return False, {}
    accuracy = discriminator_accuracy(logits_manual, logits_estimated)
    over = accuracy > max_accuracy
    return bool(over), {"d_accuracy": accuracy, "d_held": over.float()}
