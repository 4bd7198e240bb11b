"""Losses on tiny tensors with values worked out by hand, and the TF RMSProp optimiser."""

from __future__ import annotations

import math

import pytest
import torch

from advseg.nn.losses import cross_entropy_loss, discriminator_loss, estimator_loss, hybrid_loss
from advseg.nn.optimizers import COSINE_FLOOR, TFRMSprop, build_optimizer, schedule_factor

LOG3 = math.log(3.0)


def test_discriminator_loss_known_value() -> None:
    manual = torch.full((4, 1), LOG3)  # D = 0.75
    estimated = torch.full((4, 1), -LOG3)  # D = 0.25
    # -log 0.75 on both halves
    assert float(discriminator_loss(manual, estimated)) == pytest.approx(-math.log(0.75))
    # a perfect discriminator costs ~0, a fooled one a lot
    assert float(discriminator_loss(torch.full((2, 1), 20.0), torch.full((2, 1), -20.0))) < 1e-6
    assert float(discriminator_loss(torch.full((2, 1), -20.0), torch.full((2, 1), 20.0))) == pytest.approx(20.0, abs=1e-6)


def test_estimator_loss_forms_and_their_gradients() -> None:
    z = torch.full((1, 1), -LOG3, requires_grad=True)  # D(I, E(I)) = 0.25: D is winning
    non_saturating = estimator_loss(z, form="non_saturating")
    assert non_saturating.item() == pytest.approx(-math.log(0.25))
    (grad_ns,) = torch.autograd.grad(non_saturating, z)
    saturating = estimator_loss(z, form="saturating")
    assert saturating.item() == pytest.approx(math.log(0.75))
    (grad_s,) = torch.autograd.grad(saturating, z)
    # d/dz of -log sigmoid(z) is -(1 - D) = -0.75; of log(1 - sigmoid(z)) it is -D = -0.25
    assert float(grad_ns) == pytest.approx(-0.75)
    assert float(grad_s) == pytest.approx(-0.25)
    with pytest.raises(ValueError, match="`form` must be one of"):
        estimator_loss(z, form="wasserstein")


def test_patch_logits_are_averaged() -> None:
    logits = torch.zeros(2, 1, 3, 3)
    assert float(estimator_loss(logits)) == pytest.approx(math.log(2.0))


def test_cross_entropy_known_values() -> None:
    targets = torch.tensor([[[0, 1], [2, 1]]])  # (1, 2, 2)
    uniform = torch.zeros(1, 3, 2, 2)
    assert float(cross_entropy_loss(uniform, targets)) == pytest.approx(LOG3)
    perfect = 50.0 * torch.nn.functional.one_hot(targets, 3).permute(0, 3, 1, 2).float()
    assert float(cross_entropy_loss(perfect, targets)) < 1e-6


def test_double_softmax_has_a_floor() -> None:
    targets = torch.tensor([[[0, 1], [2, 1]]])
    perfect = 50.0 * torch.nn.functional.one_hot(targets, 3).permute(0, 3, 1, 2).float()
    # softmax twice: even a perfect prediction costs -log(e / (e + 2)) = log(1 + 2/e)
    loss = cross_entropy_loss(perfect, targets, double_softmax=True)
    assert float(loss) == pytest.approx(math.log(1 + 2 / math.e), abs=1e-6)


def test_class_weights() -> None:
    targets = torch.tensor([[[0, 2]]])  # one background, one contour pixel
    logits = torch.zeros(1, 3, 1, 2)
    logits[0, 0, 0, 0] = 10.0  # background pixel right
    weighted = cross_entropy_loss(logits, targets, class_weights=torch.tensor([1.0, 1.0, 3.0]))
    background = -torch.log_softmax(torch.tensor([10.0, 0.0, 0.0]), 0)[0]
    assert float(weighted) == pytest.approx(float((background + 3 * LOG3) / 4))


def test_cross_entropy_shape_errors() -> None:
    with pytest.raises(ValueError, match=r"`logits` must have shape \(B, 3, H, W\)"):
        cross_entropy_loss(torch.zeros(1, 2, 4, 4), torch.zeros(1, 4, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="`targets` must have shape"):
        cross_entropy_loss(torch.zeros(1, 3, 4, 4), torch.zeros(1, 5, 5, dtype=torch.long))


def test_hybrid() -> None:
    assert float(hybrid_loss(torch.tensor(1.0), torch.tensor(3.0), weight=0.5)) == 2.0
    assert float(hybrid_loss(torch.tensor(1.0), torch.tensor(3.0), weight=0.0)) == 1.0
    with pytest.raises(ValueError, match="`weight` must be in"):
        hybrid_loss(torch.tensor(1.0), torch.tensor(3.0), weight=1.5)


def test_tf_rmsprop_two_steps_by_hand() -> None:
    w = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    opt = TFRMSprop([w], lr=0.1, decay=0.9, eps=1e-10)
    expected = 1.0
    ms = 1.0  # TensorFlow starts the squared-gradient average at one
    for g in (2.0, -1.0):
        w.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        ms = 0.9 * ms + 0.1 * g * g
        expected -= 0.1 * g / math.sqrt(ms + 1e-10)
        assert float(w.detach()) == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(1 - 0.2 / math.sqrt(1.3) + 0.1 / math.sqrt(1.27))


def test_tf_rmsprop_starts_slowly_for_small_gradients() -> None:
    steps = {}
    for name in ("rmsprop_tf", "rmsprop_torch"):
        w = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
        opt = build_optimizer(name, [w], lr=0.1)
        w.grad = torch.tensor([1e-3], dtype=torch.float64)
        opt.step()
        steps[name] = 1.0 - float(w.detach())
    # PyTorch: ms = 0.1 g^2, so the step is lr / sqrt(0.1) whatever the gradient's size
    assert steps["rmsprop_torch"] == pytest.approx(0.1 / math.sqrt(0.1), rel=1e-4)
    # TensorFlow: ms starts at 1, so the first steps are about lr * g, an implicit warm-up
    assert steps["rmsprop_tf"] == pytest.approx(0.1 * 1e-3 / math.sqrt(0.9 + 0.1 * 1e-6), rel=1e-9)
    assert steps["rmsprop_torch"] > 1000 * steps["rmsprop_tf"]
    with pytest.raises(ValueError, match="`optimizer` must be one of"):
        build_optimizer("sgd", [w], lr=0.1)


def test_adamw_decays_weights_without_a_gradient() -> None:
    w = torch.nn.Parameter(torch.tensor([2.0]))
    opt = build_optimizer("adamw", [w], lr=0.1)
    w.grad = torch.tensor([0.0])
    opt.step()
    assert float(w.detach()) == pytest.approx(2.0 * (1 - 0.1 * 1e-4))  # decoupled decay only: Adam's step of a zero gradient is 0


def test_schedules() -> None:
    total = 400  # warm-up min(50, 40) = 40 steps
    cosine = [schedule_factor(step, total, schedule="cosine") for step in range(total)]
    assert cosine[0] == pytest.approx(1 / 40) and cosine[39] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(cosine[39:], cosine[40:]))  # never rises after the warm-up
    assert cosine[-1] == pytest.approx(COSINE_FLOOR)
    assert schedule_factor(total + 10, total, schedule="cosine") == pytest.approx(COSINE_FLOOR)  # trained longer: stays at the floor
    assert {schedule_factor(step, total) for step in range(total)} == {1.0}
    with pytest.raises(ValueError, match="`schedule` must be one of"):
        schedule_factor(0, total, schedule="step")


def test_tf_rmsprop_foreach_equals_the_per_parameter_loop() -> None:
    torch.manual_seed(0)
    shapes = [(3, 4), (5,), (2, 2, 3)]
    a = [torch.nn.Parameter(torch.randn(s)) for s in shapes]
    b = [torch.nn.Parameter(p.detach().clone()) for p in a]
    opt_a, opt_b = TFRMSprop(a, lr=1e-2, momentum=0.5), TFRMSprop(b, lr=1e-2, momentum=0.5, foreach=False)
    for step in range(5):
        grads = [torch.randn(s) for s in shapes]
        for p, q, g in zip(a, b, grads):
            p.grad, q.grad = g.clone(), g.clone()
        b[1].grad = a[1].grad = None if step == 2 else a[1].grad  # a parameter without a gradient is skipped
        opt_a.step()
        opt_b.step()
    for p, q in zip(a, b):
        torch.testing.assert_close(p, q, rtol=0, atol=0)  # the same arithmetic, bit for bit
