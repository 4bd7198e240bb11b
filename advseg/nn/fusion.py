"""Inference copies of an estimator: batch norm folded into the convolution before it.

In eval mode a batch norm layer is a fixed per-channel scale and shift, so it can be
folded into the weights and bias of the convolution it follows (or of an unpadded
convolution it precedes, as in the paper estimator's head); the copy computes the
same function (to float32 rounding) with one pass over each feature map fewer. The
leaky ReLUs of the copy work in place. Training always uses the unfused network.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

__all__ = ["fuse_for_inference"]


def fuse_for_inference(estimator: nn.Module) -> nn.Module:
    """A copy of ``estimator`` in eval mode, each Conv2d next to a BatchNorm2d folded into one Conv2d.

    Parameters
    ----------
    estimator : nn.Module
        Any network; the pairs are found inside its ``nn.Sequential`` containers
        (a convolution directly followed by a batch norm with running statistics, or an
        unpadded convolution directly preceded by one).

    Returns
    -------
    nn.Module
        The copy (``estimator`` itself is not changed), in eval mode, with gradients off;
        ``estimator`` itself when it is already such a copy (so callers may fuse once, then
        pass the copy to :func:`advseg.evaluation.inference.predict_probs` for every image).

    Examples
    --------
    >>> import torch
    >>> from advseg.nn import PaperEstimator
    >>> net = PaperEstimator().eval()
    >>> x = torch.rand(1, 1, 64, 64)
    >>> fused = fuse_for_inference(net)
    >>> sum(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
    0
    >>> bool(torch.allclose(net(x), fused(x), atol=1e-5))
    True
    >>> fuse_for_inference(fused) is fused
    True
    """
    if getattr(estimator, "_inference_copy", False):
        return estimator
    fused = copy.deepcopy(estimator).eval().requires_grad_(False)
    fused._inference_copy = True
    for module in fused.modules():
        if not isinstance(module, nn.Sequential):
            continue
        names = list(module._modules)
        for first, second in zip(names, names[1:]):
            conv, norm = module._modules[first], module._modules[second]
            if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d) and norm.running_mean is not None:
                module._modules[first] = fuse_conv_bn_eval(conv, norm)
                module._modules[second] = nn.Identity()
            elif isinstance(conv, nn.BatchNorm2d) and isinstance(norm, nn.Conv2d) and _unpadded(norm) and conv.running_mean is not None:
                module._modules[second] = _fold_preceding_norm(conv, norm)
                module._modules[first] = nn.Identity()
    for module in fused.modules():
        if isinstance(module, nn.LeakyReLU):
            module.inplace = True
    return fused


def _unpadded(conv: nn.Conv2d) -> bool:
    """No padding and no groups: every input pixel of every output is a normalised one."""
    return conv.groups == 1 and (conv.padding == "valid" or all(p == 0 for p in conv.padding))


def _fold_preceding_norm(norm: nn.BatchNorm2d, conv: nn.Conv2d) -> nn.Conv2d:
    """``conv(norm(x))`` as one convolution: exact when ``conv`` pads nothing (every input pixel is normalised)."""
    scale = torch.rsqrt(norm.running_var + norm.eps)  # (C_in,)
    shift = -norm.running_mean * scale
    if norm.weight is not None:
        scale, shift = scale * norm.weight, shift * norm.weight + norm.bias
    fused = copy.deepcopy(conv)
    weight = conv.weight  # (C_out, C_in, kh, kw)
    extra = (weight * shift.view(1, -1, 1, 1)).sum((1, 2, 3))  # (C_out,)
    fused.weight = nn.Parameter(weight * scale.view(1, -1, 1, 1), requires_grad=False)
    bias = conv.bias if conv.bias is not None else torch.zeros(conv.out_channels, device=weight.device, dtype=weight.dtype)
    fused.bias = nn.Parameter(bias + extra, requires_grad=False)
    return fused
