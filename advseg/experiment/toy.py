"""A one-pixel version of the minimax game, small enough to watch.

Images are single intensities ``I ~ U(0, 1)``; the manual segmentation of a
pixel is ``Γ = 1[I > threshold]``. The estimator is a soft threshold
``E(I) = sigmoid(exp(s) * (I - b))`` with a learnable threshold ``b`` and
sharpness ``s``; the
discriminator is a small MLP on the pair ``(I, Γ)``. Trained against each
other with the package's losses, ``b`` moves to the true threshold without the
estimator ever seeing a pixel label: the discriminator's judgement is its only
signal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from advseg.nn.losses import discriminator_loss, estimator_loss

__all__ = ["ToyGame", "estimator_loss_curve", "play_toy_game"]


def estimator_loss_curve(d: np.ndarray, *, form: str) -> tuple[np.ndarray, np.ndarray]:
    """The estimator's loss and its gradient with respect to D's logit, as functions of D.

    Parameters
    ----------
    d : (N,) ndarray
        D(I, E(I)) values in (0, 1).
    form : {"non_saturating", "saturating"}

    Returns
    -------
    loss, gradient : (N,) ndarrays

    Examples
    --------
    >>> loss, grad = estimator_loss_curve(np.array([0.25]), form="saturating")
    >>> round(float(grad[0]), 4)  # -D
    -0.25
    """
    logits = torch.logit(torch.as_tensor(d, dtype=torch.float64)).requires_grad_(True)  # (N,)
    losses = torch.stack([estimator_loss(z[None], form=form) for z in logits])  # (N,)
    (gradient,) = torch.autograd.grad(losses.sum(), logits)
    return losses.detach().numpy(), gradient.numpy()


@dataclass(frozen=True)
class ToyGame:
    """The trajectory of a toy game, one entry per estimator step."""

    threshold: float  # the true threshold of the manual segmentation
    b: np.ndarray  # (T,) the estimator's threshold
    slope: np.ndarray  # (T,) the estimator's sharpness
    d_manual: np.ndarray  # (T,) mean D(I, Γ_M)
    d_estimated: np.ndarray  # (T,) mean D(I, E(I))


def play_toy_game(
    *,
    threshold: float = 0.6,
    b_start: float = 0.2,
    slope: float = 20.0,
    steps: int = 300,
    d_steps: int = 2,
    batch_size: int = 256,
    lr: float = 0.01,
    form: str = "non_saturating",
    seed: int = 0,
) -> ToyGame:
    """Play the one-pixel minimax game and record it.

    Parameters
    ----------
    threshold : float
        Where the manual segmentation switches from background to nucleus.
    b_start : float
        The estimator's initial threshold.
    slope : float
        Initial sharpness of the estimator's soft threshold (learnt from there).
    steps : int
        Estimator steps.
    d_steps : int
        Discriminator steps before each estimator step.
    batch_size : int
    lr : float
        Adam learning rate of both players.
    form : {"non_saturating", "saturating"}
        The estimator's loss.
    seed : int

    Returns
    -------
    ToyGame

    Examples
    --------
    >>> game = play_toy_game(steps=300)
    >>> bool(abs(game.b[-100:].mean() - 0.6) < 0.1)
    True
    """
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    b = nn.Parameter(torch.tensor(b_start))
    log_slope = nn.Parameter(torch.tensor(float(np.log(slope))))
    d = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.1), nn.Linear(16, 16), nn.LeakyReLU(0.1), nn.Linear(16, 1))
    opt_e, opt_d = torch.optim.Adam([b, log_slope], lr=lr), torch.optim.Adam(d.parameters(), lr=lr)
    history: dict[str, list[float]] = {"b": [], "slope": [], "d_manual": [], "d_estimated": []}
    for _ in range(steps):
        for _ in range(d_steps):
            intensity = torch.rand(batch_size, 1, generator=generator)  # (B, 1)
            manual = (intensity > threshold).float()
            estimated = torch.sigmoid(log_slope.exp() * (intensity - b)).detach()
            logits = d(torch.cat([torch.cat([intensity, manual], 1), torch.cat([intensity, estimated], 1)]))
            loss = discriminator_loss(logits[:batch_size], logits[batch_size:])
            opt_d.zero_grad()
            loss.backward()
            opt_d.step()
        intensity = torch.rand(batch_size, 1, generator=generator)
        estimated = torch.sigmoid(log_slope.exp() * (intensity - b))
        logits = d(torch.cat([intensity, estimated], 1))
        loss = estimator_loss(logits, form=form)
        opt_e.zero_grad()
        loss.backward()
        opt_e.step()
        with torch.no_grad():
            manual_logits = d(torch.cat([intensity, (intensity > threshold).float()], 1))
            history["b"].append(float(b))
            history["slope"].append(float(log_slope.exp()))
            history["d_manual"].append(float(torch.sigmoid(manual_logits).mean()))
            history["d_estimated"].append(float(torch.sigmoid(logits).mean()))
    return ToyGame(threshold=threshold, **{key: np.array(values) for key, values in history.items()})
