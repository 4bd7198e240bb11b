"""Network shapes, receptive field, parameter counts and rib-cage wiring."""

from __future__ import annotations

import pytest
import torch

from advseg.nn import (
    ConcatDiscriminator,
    PaperEstimator,
    PatchDiscriminator,
    RibCageDiscriminator,
    UNetEstimator,
    build_discriminator,
    build_estimator,
)
from advseg.nn.config import ModelConfig


@pytest.mark.parametrize(
    ("kernel", "padding", "size", "expected"),
    [(3, "valid", 64, 44), (4, "valid", 64, 43), (3, "same", 64, 64), (4, "same", 64, 64), (3, "valid", 57, 37), (3, "same", 33, 33)],
)
def test_estimator_output_shapes(kernel: int, padding: str, size: int, expected: int) -> None:
    net = PaperEstimator(layer4_kernel=kernel, padding=padding)
    out = net(torch.zeros(2, 1, size, size + 7))
    assert tuple(out.shape) == (2, 3, expected, expected + 7), f"k={kernel} {padding} size={size}: {tuple(out.shape)}"


def test_estimator_parameter_count() -> None:
    # conv weights and biases: 9*9*1*16+16, 7*7*16*32+32, 5*5*32*64+64, 3*3*64*64+64, 1*1*64*3+3; BN untrained
    expected = 1312 + 25120 + 51264 + 36928 + 195
    assert sum(p.numel() for p in PaperEstimator().parameters()) == expected == 114819
    with_bn = sum(p.numel() for p in PaperEstimator(bn_affine=True).parameters())
    assert with_bn == expected + 2 * (16 + 32 + 64 + 64 + 64)


@pytest.mark.parametrize(("kernel", "field"), [(3, 21), (4, 22)])
def test_receptive_field_matches_the_gradient_support(kernel: int, field: int) -> None:
    net = PaperEstimator(layer4_kernel=kernel, padding="valid").eval()
    x = torch.randn(1, 1, 48, 48, requires_grad=True)
    out = net(x)
    out[0, 1, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(dim=1)).flatten()
    cols = torch.nonzero(x.grad[0, 0].abs().sum(dim=0)).flatten()
    assert int(rows.max() - rows.min() + 1) == field == net.receptive_field
    assert int(cols.max() - cols.min() + 1) == field


def test_unet_shapes_and_size_check() -> None:
    net = UNetEstimator()
    assert tuple(net(torch.zeros(2, 1, 64, 96)).shape) == (2, 3, 64, 96)
    with pytest.raises(ValueError, match="multiples of 4"):
        net(torch.zeros(1, 1, 63, 64))


def test_deeper_unet_shapes_and_receptive_field() -> None:
    net = UNetEstimator(depth=3, width=8)
    assert net.multiple == 8 and tuple(net(torch.zeros(2, 1, 64, 96)).shape) == (2, 3, 64, 96)
    with pytest.raises(ValueError, match="multiples of 8"):
        net(torch.zeros(1, 1, 60, 64))
    with pytest.raises(ValueError, match="`depth` must be 1 to 5"):
        UNetEstimator(depth=0)
    # a third pooling widens what one output pixel sees: the gradient's support grows from ~41 px to ~85 px
    supports = {}
    for depth in (2, 3):
        deep = UNetEstimator(depth=depth, width=4).eval()
        x = torch.zeros(1, 1, 192, 192, requires_grad=True)
        deep(x)[0, :, 96, 96].sum().backward()
        rows = torch.nonzero(x.grad[0, 0].abs().sum(dim=1)).flatten()
        supports[depth] = int(rows.max() - rows.min() + 1)
    assert 38 <= supports[2] <= 48 and 80 <= supports[3] <= 95
    assert ModelConfig(estimator="unet", unet_depth=3, unet_width=8) and build_estimator(
        ModelConfig(estimator="unet", unet_depth=3, unet_width=8)).multiple == 8


def test_rib_wiring_channel_counts() -> None:
    d = RibCageDiscriminator(input_size=44)
    assert [rib.out_channels for rib in d.ribs] == [(8, 8, 20), (16, 16, 40), (32, 32, 80)]
    inputs = [(rib.left[0].in_channels, rib.right[0].in_channels, rib.centre[0].in_channels) for rib in d.ribs]
    assert inputs == [(1, 3, 4), (8, 8, 20), (16, 16, 40)]
    assert [rib.centre[0].out_channels for rib in d.ribs] == [4, 8, 16]  # half the ribs' filters
    assert [rib.left[0].kernel_size for rib in d.ribs] == [(9, 9), (7, 7), (5, 5)]
    assert d.n_features == 26 * 26 * 144 == 97344
    assert [layer.out_features for layer in d.classifier if isinstance(layer, torch.nn.Linear)] == [64, 64, 1]


def test_centre_rib_mixes_image_and_segmentation() -> None:
    d = RibCageDiscriminator(input_size=44).eval()
    image = torch.randn(1, 1, 44, 44, requires_grad=True)
    seg = torch.rand(1, 3, 44, 44, requires_grad=True)
    d(image, seg).sum().backward()
    assert image.grad.abs().sum() > 0 and seg.grad.abs().sum() > 0


@pytest.mark.parametrize("size", [44, 45, 31])
@pytest.mark.parametrize("cls", [RibCageDiscriminator, ConcatDiscriminator])
def test_discriminator_shapes(cls, size: int) -> None:
    d = cls(input_size=size)
    assert tuple(d(torch.zeros(3, 1, size, size), torch.zeros(3, 3, size, size)).shape) == (3, 1)


def test_discriminator_refuses_another_size() -> None:
    d = RibCageDiscriminator(input_size=44)
    with pytest.raises(ValueError, match="built for 44x44 inputs, got 64x64"):
        d(torch.zeros(1, 1, 64, 64), torch.zeros(1, 3, 64, 64))
    with pytest.raises(ValueError, match="`segmentations` must have shape"):
        d(torch.zeros(1, 1, 44, 44), torch.zeros(1, 2, 44, 44))
    with pytest.raises(ValueError, match="must exceed 18 px"):
        RibCageDiscriminator(input_size=18)


def test_patch_discriminator_gives_a_map() -> None:
    d = PatchDiscriminator(input_size=44)
    assert tuple(d(torch.zeros(2, 1, 44, 44), torch.zeros(2, 3, 44, 44)).shape) == (2, 1, 9, 9)


@pytest.mark.parametrize("name", ["ribcage", "concat", "patch"])
def test_builders(name: str) -> None:
    config = ModelConfig(discriminator=name)
    estimator = build_estimator(config)
    out = estimator(torch.zeros(2, 1, 64, 64))
    d = build_discriminator(config, input_size=out.shape[-1])
    assert d(torch.zeros(2, 1, 44, 44), torch.softmax(out, 1)).shape[0] == 2


def test_bad_model_config() -> None:
    with pytest.raises(ValueError, match="`layer4_kernel` must be 3"):
        ModelConfig(layer4_kernel=5)
    with pytest.raises(ValueError, match="`discriminator` must be one of"):
        ModelConfig(discriminator="huge")
