"""An exponential moving average of the estimator's weights (Polyak averaging).

From a few annotated frames the estimator's validation score jumps from one
validation to the next; the average of its recent weights moves slowly, so
validation, model selection and the model file read a smoother model
(as e.g. Cellpose, nnU-Net-style and most semi-supervised segmentation
training do). The decay warms up as TensorFlow's ``ExponentialMovingAverage``
with ``num_updates``: ``min(decay, (1 + t) / (10 + t))`` at update ``t``, so the
first updates do not drag the initial weights along.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

__all__ = ["WeightAverage"]


class WeightAverage:
    """A copy of ``network`` whose floating-point parameters and buffers follow an exponential moving average.

    Parameters
    ----------
    network : nn.Module
        Copied once; :meth:`update` then pulls the copy towards it.
    decay : float
        The average's decay per update, in (0, 1).

    Examples
    --------
    >>> net = nn.Linear(1, 1, bias=False)
    >>> with torch.no_grad(): _ = net.weight.fill_(0.0)
    >>> average = WeightAverage(net, decay=0.5)
    >>> with torch.no_grad(): _ = net.weight.fill_(1.0)
    >>> average.update(net)  # t = 0: decay min(0.5, 1/10) = 0.1
    >>> round(float(average.module.weight), 3)
    0.9
    """

    def __init__(self, network: nn.Module, *, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"`decay` must be in (0, 1), got {decay!r}")
        self.decay = decay
        self.updates = 0
        self.module = copy.deepcopy(network).eval()
        self.module.requires_grad_(False)

    @torch.no_grad()
    def update(self, network: nn.Module) -> None:
        """Move the average one step towards ``network``'s current weights."""
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        mine = list(self.module.state_dict().values())
        theirs = list(network.state_dict().values())
        floats = [(a, b) for a, b in zip(mine, theirs) if a.is_floating_point()]
        if floats:
            torch._foreach_lerp_([a for a, _ in floats], [b for _, b in floats], 1.0 - decay)
        for a, b in zip(mine, theirs):
            if not a.is_floating_point():
                a.copy_(b)  # counters (batch norm's num_batches_tracked)
        self.updates += 1

    def state_dict(self) -> dict[str, Any]:
        return {"module": self.module.state_dict(), "updates": self.updates}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.module.load_state_dict(state["module"])
        self.updates = int(state["updates"])
