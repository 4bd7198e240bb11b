"""Comparison panels and the paper-versus-code measurements."""

from __future__ import annotations

import numpy as np
import pytest

from advseg.experiment.claims import verdict
from advseg.experiment.differences import ce_gradient, estimator_geometry, optimizer_steps
from advseg.experiment.panels import ComparisonSet, switcher_html
from advseg.experiment.statistics import Summary
from advseg.nn.config import ModelConfig


def tiny_comparison() -> ComparisonSet:
    y = np.zeros((16, 16), np.uint16)
    y[2:8, 2:8] = 1
    y[9:14, 9:14] = 2
    image = 100.0 + 50.0 * (y > 0)
    return ComparisonSet(data="toy", frames={"img": (image, y)},
                         predictions={("ce", 1, "img"): y, ("watershed", 1, "img"): (y == 1).astype(np.uint16)})


def test_switcher_holds_every_choice_and_its_controls():
    page = switcher_html(tiny_comparison(), uid="toy")
    assert page.count("<select") == 3 and 'id="toy-errors"' in page
    assert '"ce|1|img"' in page and '"watershed|1|img"' in page
    assert "1 matched, 1 missed" in page  # the watershed choice misses nucleus 2


def test_interactive_comparison_redraws_the_picture_when_a_choice_changes():
    import matplotlib

    matplotlib.use("Agg")
    from advseg.experiment.panels import interactive_comparison

    box = interactive_comparison(tiny_comparison())
    (n_train, method, frame), message, picture = box.children[0].children, box.children[1], box.children[2]
    first = bytes(picture.value)
    assert first.startswith(b"\x89PNG") and message.value == ""
    method.value = "watershed"
    assert bytes(picture.value).startswith(b"\x89PNG") and bytes(picture.value) != first


def test_switcher_without_previews_says_how_to_make_them():
    empty = ComparisonSet(data="toy", frames={}, predictions={})
    assert "advseg sweep" in switcher_html(empty, uid="x")


def test_a_4x4_fourth_layer_cannot_be_centred():
    assert estimator_geometry(ModelConfig())["output"] == 44
    assert "half a pixel" in estimator_geometry(ModelConfig(layer4_kernel=4))["border per side"]
    assert estimator_geometry(ModelConfig(padding="same"))["output"] == 64


def test_double_softmax_flattens_the_gradient_where_the_estimator_is_wrong():
    p = np.array([0.05, 0.5])
    once, twice = ce_gradient(p, double_softmax=False), ce_gradient(p, double_softmax=True)
    assert once[0] == pytest.approx(np.sqrt(0.95**2 + 2 * 0.475**2))  # |softmax - one-hot|
    assert twice[0] < once[0] / 10


def test_tensorflow_rmsprop_starts_small_and_torch_rmsprop_jumps():
    tf, torch_steps = optimizer_steps("rmsprop_tf", 0.01, steps=1), optimizer_steps("rmsprop_torch", 0.01, steps=1)
    assert tf[0] == pytest.approx(1e-3 * 0.01 / np.sqrt(0.9 + 0.1 * 1e-4), rel=1e-4)
    assert torch_steps[0] == pytest.approx(1e-3 / np.sqrt(0.1), rel=1e-4)


def test_verdict_is_unclear_when_the_intervals_overlap():
    a = Summary("d", "a", 1, "paper_f", (0.80, 0.90, 0.85), (0, 1, 2))
    b = Summary("d", "b", 1, "paper_f", (0.84, 0.88, 0.86), (0, 1, 2))
    assert verdict(a, b) == "unclear" and verdict(None, b) == "no results"


def test_verdict_holds_only_when_the_paired_interval_excludes_zero():
    a = Summary("d", "a", 1, "paper_f", (0.70, 0.60, 0.66), (0, 1, 2))
    level = Summary("d", "b", 1, "paper_f", (0.60, 0.70, 0.64), (0, 1, 2))  # mean +0.7 points, interval spans zero
    below = Summary("d", "b", 1, "paper_f", (0.60, 0.50, 0.57), (0, 1, 2))  # 10 points below, seed by seed
    assert verdict(a, level) == "unclear" and verdict(level, a) == "unclear"
    assert verdict(a, below) == "holds" and verdict(below, a) == "not supported"
    assert verdict(a, below, margin=0.2) == "not supported"  # the claim asks for 20 points
