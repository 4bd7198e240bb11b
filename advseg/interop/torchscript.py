"""An advseg estimator as one self-contained TorchScript module: raw tile in, class probabilities out.

Model zoos and their consumers (deepImageJ in Fiji, napari's bioimage.io plugins)
run a network on tensors of the size they choose and know nothing of an
estimator's padding rules. :class:`ProbabilityModule` therefore pads any input
itself, exactly as :func:`advseg.evaluation.inference.predict_probs` does for a
whole frame, and returns softmax probabilities of the input's size.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

from advseg.evaluation.inference import context_for

__all__ = ["ProbabilityModule", "to_torchscript"]


class ProbabilityModule(nn.Module):
    """(B, 1, H, W) normalised images -> (B, 3, H, W) background / interior / contour probabilities.

    Parameters
    ----------
    estimator : nn.Module
        (B, 1, h, w) -> (B, 3, h - shrink, w - shrink) logits, with ``h`` and
        ``w`` multiples of its ``multiple`` attribute (1 when absent).
    context : int, optional
        Reflected pixels added on every side and discarded afterwards, as in
        whole-frame inference (the same border handling; none for an estimator whose
        output shrinks, see :func:`advseg.evaluation.inference.context_for`).
    normalize : nn.Module, optional
        Applied to the raw input first (e.g. :class:`advseg.interop.contrast.RobustNormalize`);
        by default the input is taken as already normalised.
    """

    def __init__(self, estimator: nn.Module, *, context: int = 32, normalize: nn.Module | None = None) -> None:
        super().__init__()
        self.normalize = normalize if normalize is not None else nn.Identity()
        if context < 0:
            raise ValueError(f"`context` must be a non-negative number of pixels, got {context}")
        self.estimator = estimator
        self.shrink = int(getattr(estimator, "shrink", 0))
        self.multiple = int(getattr(estimator, "multiple", 1))
        self.context = context_for(self.shrink, int(context))  # as whole-frame inference

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        images = self.normalize(images)
        h, w = images.shape[-2], images.shape[-1]
        before = self.shrink // 2 + self.context
        after = self.shrink - self.shrink // 2 + self.context
        if max(before, after) < min(h, w):
            x = F.pad(images, (before, after, before, after), mode="reflect")
        else:
            x = F.pad(images, (before, after, before, after), mode="replicate")
        extra_h = (-x.shape[-2]) % self.multiple
        extra_w = (-x.shape[-1]) % self.multiple
        if extra_h > 0 or extra_w > 0:
            x = F.pad(x, (0, extra_w, 0, extra_h), mode="replicate")
        logits = self.estimator(x)[:, :, self.context : self.context + h, self.context : self.context + w]
        return torch.softmax(logits, dim=1)


def to_torchscript(estimator: nn.Module, *, example_size: int = 128, context: int = 32,
                   normalize: nn.Module | None = None) -> torch.jit.ScriptModule:
    """Script a :class:`ProbabilityModule` around a traced copy of ``estimator``.

    The estimator is traced on CPU in eval mode (its convolutions do not depend
    on the input size); the padding around it is scripted, so the module takes
    any height and width.

    Parameters
    ----------
    estimator : nn.Module
    example_size : int, optional
        Side of the square example input used for tracing, px.
    context, normalize : optional
        See :class:`ProbabilityModule`.

    Returns
    -------
    torch.jit.ScriptModule
        (B, 1, H, W) float32 -> (B, 3, H, W) float32 probabilities.
    """
    estimator = copy.deepcopy(estimator).to("cpu", memory_format=torch.contiguous_format).eval()  # the caller's stays as it is
    shrink = int(getattr(estimator, "shrink", 0))
    multiple = int(getattr(estimator, "multiple", 1))
    side = example_size + shrink + (-(example_size + shrink)) % multiple
    with torch.no_grad(), _quiet_tracer():
        traced = torch.jit.trace(estimator, torch.zeros(1, 1, side, side), check_trace=False)
    wrapper = ProbabilityModule(estimator, context=context, normalize=normalize)
    wrapper.estimator = traced
    return torch.jit.script(wrapper.eval())


@contextmanager
def _quiet_tracer() -> Iterator[None]:
    """Silence the tracer's warnings about the estimators' input-size checks (they pass for every traced size)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        yield
