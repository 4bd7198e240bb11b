"""Stop training the moment a loss or a weight stops being a finite number.

A NaN or infinite loss poisons every weight in the next update, and from then
on the estimator labels nothing; training on would only write a useless model
with a good exit status. :func:`check_loss` runs at every step (the loss is
read anyway), :func:`check_weights` at every validation and checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

__all__ = ["TrainingDiverged", "check_loss", "check_losses", "check_weights", "non_finite_weights"]


class TrainingDiverged(ValueError):
    """A loss or weight became non-finite; the message says at which step and what."""


def check_loss(loss: torch.Tensor, *, name: str, step: str) -> None:
    """Raise :class:`TrainingDiverged` if the scalar ``loss`` is NaN or infinite.

    Parameters
    ----------
    loss : () tensor
    name : str
        What it is, e.g. ``"estimator loss"``.
    step : str
        Where training is, e.g. ``"estimator step 12 (discriminator step 20)"``.

    Examples
    --------
    >>> check_loss(torch.tensor(float("nan")), name="estimator loss", step="estimator step 3")
    Traceback (most recent call last):
    ...
    advseg.training.guards.TrainingDiverged: training diverged at estimator step 3: the estimator loss is nan; ...
    """
    check_losses({name: loss}, steps=step)


def non_finite_weights(state: Mapping[str, torch.Tensor]) -> list[str]:
    """Names of the floating-point tensors of ``state`` holding NaN or infinity."""
    return [name for name, value in state.items()
            if torch.is_tensor(value) and value.is_floating_point() and not torch.isfinite(value).all()]


def check_losses(values: Mapping[str, torch.Tensor], *, steps: str) -> None:
    """Raise :class:`TrainingDiverged` if any of several logged losses (read together, once) is not finite.

    The device path reads its losses every ``log_every`` steps instead of every
    step (no host synchronisation per step); this is its check.

    Parameters
    ----------
    values : mapping of str to tensors
        The steps' values of each logged quantity, e.g. ``{"loss_e": (K,) tensor}``.
    steps : str
        The steps they come from, e.g. ``"estimator steps 11 to 20"``.
    """
    for name, value in values.items():
        bad = ~torch.isfinite(value.detach())
        if bool(bad.any()):
            first = float(value.detach().reshape(-1)[bad.reshape(-1)][0])
            raise TrainingDiverged(
                f"training diverged at {steps}: the {name.replace('_', ' ')} is {first}; "
                "lower the learning rates (--set lr_estimator=..., lr_discriminator=...) or check the training images"
            )


def check_weights(networks: Mapping[str, nn.Module | None], *, step: str) -> None:
    """Raise :class:`TrainingDiverged` if a weight or buffer of any network is NaN or infinite.

    Parameters
    ----------
    networks : mapping of str to nn.Module or None
        E.g. ``{"estimator": ..., "discriminator": None}``; None is skipped.
    step : str
        Where training is.
    """
    for network, module in networks.items():
        if module is None:
            continue
        bad = non_finite_weights(module.state_dict())
        if bad:
            raise TrainingDiverged(
                f"training diverged by {step}: {len(bad)} of the {network}'s tensors hold NaN or infinity "
                f"(first {bad[0]!r}); lower the learning rates or check the training images"
            )
