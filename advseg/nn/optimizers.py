"""Optimisers: RMSProp as TensorFlow 1.x defines it, PyTorch's RMSProp, Adam and AdamW; learning-rate schedules."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch

__all__ = ["OPTIMIZERS", "SCHEDULES", "TFRMSprop", "build_optimizer", "schedule_factor"]


class TFRMSprop(torch.optim.Optimizer):
    """RMSProp with TensorFlow 1.x semantics (``tf.train.RMSPropOptimizer``).

    Per parameter: ``ms = decay * ms + (1 - decay) * g**2`` with ``ms`` starting
    at 1.0 (not 0), then ``mom = momentum * mom + lr * g / sqrt(ms + eps)``
    (epsilon *inside* the square root) and ``p -= mom``. PyTorch's RMSprop
    starts ``ms`` at 0 and adds epsilon outside the root, so its first step is
    ``lr / sqrt(1 - decay)`` ≈ 3.2 lr whatever the gradient. Here the first
    steps are about ``lr * g`` for small gradients: an implicit warm-up that
    lasts until ``ms`` has decayed to the gradients' scale (about 130 steps
    for gradients near 1e-3).

    Parameters
    ----------
    params : iterable of tensors or parameter groups
    lr : float
    decay : float
        Decay of the squared-gradient average (TensorFlow's ``decay``, PyTorch's ``alpha``).
    momentum : float
    eps : float
    initial_accumulator : float
        Starting value of ``ms``.
    foreach : bool
        Update all parameters of a group with multi-tensor kernels (same arithmetic).

    Examples
    --------
    >>> w = torch.nn.Parameter(torch.tensor([1.0]))
    >>> opt = TFRMSprop([w], lr=0.1)
    >>> w.grad = torch.tensor([2.0]); opt.step()
    >>> round(float(w.detach()), 6)  # 1 - 0.1 * 2 / sqrt(0.9 + 0.1 * 4)
    0.824588
    """

    def __init__(self, params: Iterable, *, lr: float = 1e-4, decay: float = 0.9, momentum: float = 0.0, eps: float = 1e-10,
                 initial_accumulator: float = 1.0, foreach: bool = True) -> None:
        if lr <= 0:
            raise ValueError(f"`lr` must be positive, got {lr}")
        if not 0 <= decay < 1:
            raise ValueError(f"`decay` must be in [0, 1), got {decay}")
        defaults = {"lr": lr, "decay": decay, "momentum": momentum, "eps": eps, "initial_accumulator": initial_accumulator,
                    "foreach": foreach}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One update of every parameter with a gradient.

        With ``foreach`` (the default) each group is updated by a handful of
        multi-tensor kernels instead of five small ones per parameter (what
        matters on a GPU, where each kernel launch costs microseconds); the
        arithmetic is the same, operation for operation.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                state = self.state[p]
                if not state:
                    state["ms"] = torch.full_like(p, group["initial_accumulator"])
                    state["mom"] = torch.zeros_like(p)
            if not params:
                continue
            ms = [self.state[p]["ms"] for p in params]
            mom = [self.state[p]["mom"] for p in params]
            grads = [p.grad for p in params]
            if group["foreach"]:
                torch._foreach_mul_(ms, group["decay"])
                torch._foreach_addcmul_(ms, grads, grads, value=1 - group["decay"])
                roots = torch._foreach_add(ms, group["eps"])
                torch._foreach_sqrt_(roots)
                torch._foreach_mul_(mom, group["momentum"])
                torch._foreach_addcdiv_(mom, grads, roots, value=group["lr"])
                torch._foreach_sub_(params, mom)
                continue
            for p, m, v, grad in zip(params, ms, mom, grads):
                m.mul_(group["decay"]).addcmul_(grad, grad, value=1 - group["decay"])
                v.mul_(group["momentum"]).addcdiv_(grad, (m + group["eps"]).sqrt_(), value=group["lr"])
                p.sub_(v)
        return loss


# name -> builder(parameters, lr)
OPTIMIZERS: dict[str, Callable[[Iterable, float], torch.optim.Optimizer]] = {
    "rmsprop_tf": lambda params, lr: TFRMSprop(params, lr=lr),
    "rmsprop_torch": lambda params, lr: torch.optim.RMSprop(params, lr=lr, alpha=0.9),
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr, betas=(0.5, 0.999)),
    # decoupled weight decay (Loshchilov & Hutter 2019), as Cellpose and most current segmentation networks train
    "adamw": lambda params, lr: torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), weight_decay=1e-4),
}

SCHEDULES = ("constant", "cosine")
COSINE_FLOOR = 0.05  # the cosine schedule ends at this fraction of the learning rate
WARMUP_STEPS = 50  # ... after this many steps of linear warm-up


def schedule_factor(step: int, total: int, *, schedule: str = "constant") -> float:
    """The fraction of the base learning rate for the update after ``step`` of ``total`` steps.

    A function of the step counter alone, so a resumed run continues the schedule exactly.
    ``"cosine"``: a linear warm-up over the first :data:`WARMUP_STEPS` steps (at most a tenth of
    ``total``), then half a cosine from 1 down to :data:`COSINE_FLOOR`.

    Examples
    --------
    >>> schedule_factor(0, 1000, schedule="constant")
    1.0
    >>> [round(schedule_factor(s, 1000, schedule="cosine"), 3) for s in (0, 49, 525, 999)]
    [0.02, 1.0, 0.524, 0.05]
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"`schedule` must be one of {list(SCHEDULES)}, got {schedule!r}")
    if schedule == "constant":
        return 1.0
    warmup = min(WARMUP_STEPS, total // 10)
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - 1 - warmup))
    return COSINE_FLOOR + (1.0 - COSINE_FLOOR) * 0.5 * (1.0 + math.cos(math.pi * progress))


def build_optimizer(name: str, params: Iterable, *, lr: float) -> torch.optim.Optimizer:
    """The optimiser called ``name`` (one of :data:`OPTIMIZERS`)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"`optimizer` must be one of {sorted(OPTIMIZERS)}, got {name!r}")
    return OPTIMIZERS[name](params, lr)
