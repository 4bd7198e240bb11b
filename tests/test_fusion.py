"""Batch norm folded into the convolutions for inference: same outputs, original untouched."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from advseg.nn.config import ModelConfig
from advseg.nn.estimators import build_estimator
from advseg.nn.fusion import fuse_for_inference


def with_statistics(net: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    net.train()
    with torch.no_grad():  # running statistics far from the initial 0 and 1
        for _ in range(3):
            net(torch.rand(2, 1, 96, 96) * 50 + 10)
    return net


@pytest.mark.parametrize(("options", "norms_left"), [({}, 0), ({"bn_affine": True}, 0), ({"layer4_kernel": 4}, 0),
                                                     ({"estimator": "unet"}, 1),
                                                     ({"estimator": "unet", "unet_depth": 3, "unet_width": 8}, 1)])  # the U-Net's input norm (padded convs)
def test_fused_copy_computes_the_same_logits_and_leaves_the_network_alone(options: dict, norms_left: int) -> None:
    net = with_statistics(build_estimator(ModelConfig(**options)))
    if options.get("bn_affine"):
        with torch.no_grad():
            for module in net.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.weight.uniform_(0.5, 2.0)
                    module.bias.uniform_(-1.0, 1.0)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    fused = fuse_for_inference(net)
    assert net.training and all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert sum(isinstance(m, nn.BatchNorm2d) for m in fused.modules()) == norms_left
    assert not fused.training and not any(p.requires_grad for p in fused.parameters())
    x = torch.rand(2, 1, 128, 160) * 50 + 10
    with torch.no_grad():
        expected, got = net.eval()(x), fused(x)
    assert torch.allclose(got, expected, rtol=1e-4, atol=1e-4 * expected.abs().max().item())


def test_a_norm_before_a_padded_convolution_is_left_as_it_is() -> None:
    net = nn.Sequential(nn.BatchNorm2d(2), nn.Conv2d(2, 3, 3, padding=1)).eval()
    fused = fuse_for_inference(net)
    assert isinstance(fused[0], nn.BatchNorm2d)  # zero padding of normalised maps cannot be folded
