"""Stabilisers of the game and the discriminator ablation: each switch does what it says, and each named method trains."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from advseg.cli.main import main
from advseg.data.datasets import Sample
from advseg.data.synthetic import SyntheticConfig, synthetic_timelapse
from advseg.nn import build_discriminator
from advseg.nn.config import ModelConfig
from advseg.nn.losses import discriminator_loss
from advseg.training.config import TrainConfig
from advseg.training.game import annealed, estimate_view, manual_maps, r1_penalty
from advseg.training.methods import METHODS
from advseg.training.presets import get_preset
from advseg.training.trainer import Trainer


@pytest.fixture(scope="module")
def frames() -> list[Sample]:
    movie = synthetic_timelapse(SyntheticConfig(n_frames=2, height=96, width=96, n_nuclei=8, n_pairs=2, n_divisions=0), seed=0)
    return [Sample(f"f{t}", movie.images[t].astype(np.float32), movie.labels[t].astype(np.int32), "uint16") for t in range(2)]


def test_one_sided_label_smoothing_changes_only_the_manual_target() -> None:
    zero = torch.zeros(4, 1)
    assert float(discriminator_loss(zero, zero, real_label=0.9)) == pytest.approx(float(discriminator_loss(zero, zero)))  # D=0.5
    big = torch.full((4, 1), 10.0)
    # a D certain of "manual" is penalised with a 0.9 target, not with 1.0
    assert float(discriminator_loss(big, -big, real_label=0.9)) > 10 * float(discriminator_loss(big, -big))
    with pytest.raises(ValueError, match="`real_label` must be in"):
        discriminator_loss(zero, zero, real_label=0.4)


def test_straight_through_gives_one_hot_values_and_soft_gradients() -> None:
    logits = torch.randn(2, 3, 4, 4, requires_grad=True)
    probs = torch.softmax(logits, dim=1)
    view = estimate_view(probs, mode="straight_through")
    assert torch.equal(view.detach().sum(dim=1), torch.ones(2, 4, 4)) and set(view.detach().unique().tolist()) == {0.0, 1.0}
    (view * torch.randn_like(view)).sum().backward()
    assert logits.grad is not None and float(logits.grad.abs().sum()) > 0
    assert estimate_view(probs) is probs
    with pytest.raises(ValueError, match="`mode` must be"):
        estimate_view(probs, mode="hard")


def test_manual_maps_with_smoothing_stay_on_the_simplex() -> None:
    torch.manual_seed(0)
    maps = manual_maps(torch.randint(3, (2, 8, 8)), smoothing=0.3)
    assert torch.allclose(maps.sum(dim=1), torch.ones(2, 8, 8)) and float(maps.max()) < 1.0 and float(maps.min()) > 0.0


def test_instance_noise_anneals_to_zero() -> None:
    assert [annealed(0.1, s, 10) for s in (0, 5, 10, 20)] == pytest.approx([0.1, 0.05, 0.0, 0.0])


def test_r1_penalty_is_the_squared_input_gradient() -> None:
    manual = torch.randn(3, 3, 4, 4, requires_grad=True)
    weight = torch.randn(3, 4, 4)
    logits = (manual * weight).flatten(1).sum(dim=1, keepdim=True)  # gradient = weight for every sample
    assert float(r1_penalty(logits, manual, gamma=10.0)) == pytest.approx(5.0 * float(weight.pow(2).sum()), rel=1e-5)


def test_spectral_norm_bounds_every_discriminator_layer() -> None:
    disc = build_discriminator(ModelConfig(spectral_norm=True), input_size=44)
    normalised = [m for m in disc.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    assert normalised and all(hasattr(m, "parametrizations") for m in normalised)
    disc.train()
    for _ in range(20):  # power iterations converge during training forward passes
        disc(torch.randn(2, 1, 44, 44), torch.rand(2, 3, 44, 44))
    disc.eval()
    for m in normalised:
        sigma = torch.linalg.matrix_norm(m.weight.detach().flatten(1), ord=2)
        assert float(sigma) == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("name", ["adversarial-concat", "adversarial-patch", "adversarial-sn", "adversarial-smooth-noise",
                                  "hybrid-adv-0.1", "adversarial-ttur", "adversarial-st", "adversarial-r1"])
def test_each_stabiliser_method_trains_a_few_steps(frames, name: str) -> None:
    method = METHODS[name]
    preset = get_preset("cpu", options=dict(method.options), loss=method.loss, iterations=2, batch_size=2)
    trainer = Trainer(frames[:1], frames[1:], model_config=preset.model, data_config=preset.data, train_config=preset.train)
    trainer.fit(progress=False)
    records = [r for r in trainer.history if r["kind"] == "train"]
    assert trainer.step_e == 2 and trainer.step_d > 0
    assert all(np.isfinite(r["loss_d"]) and np.isfinite(r["loss_e"]) for r in records)


def test_default_adversarial_configuration_is_the_papers() -> None:
    config = TrainConfig()
    assert (config.real_label, config.instance_noise, config.d_input, config.r1_gamma) == (1.0, 0.0, "soft", 0.0)
    assert ModelConfig().spectral_norm is False
    with pytest.raises(ValueError, match="`d_input` must be one of"):
        TrainConfig(d_input="hard")
    with pytest.raises(ValueError, match="`r1_gamma` must be"):
        TrainConfig(r1_gamma=-1.0)


def test_train_method_flag(tmp_path, capsys) -> None:
    args = ["train", "synthetic-h1299", "--n-train", "1", "--iterations", "2", "--batch-size", "2", "--out", str(tmp_path / "r")]
    assert main(args + ["--method", "no-such-method"]) == 1
    assert "adversarial-sn" in capsys.readouterr().err
    assert main(args + ["--method", "adversarial-sn", "--loss", "ce"]) == 1
    assert "contradicts `--method adversarial-sn`" in capsys.readouterr().err
    assert main(args + ["--method", "adversarial-concat", "--set", "discriminator=patch"]) == 1
    assert "contradicts" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_train_method_flag_trains_the_named_recipe(tmp_path) -> None:
    import json

    out = tmp_path / "st"
    assert main(["train", "synthetic-h1299", "--n-train", "1", "--iterations", "2", "--batch-size", "2", "--validation-images", "1",
                 "--method", "adversarial-st", "--set", "instance_noise=0.05", "--out", str(out)]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["loss"] == "adversarial"
    assert run["configs"]["train"]["d_input"] == "straight_through" and run["configs"]["train"]["instance_noise"] == 0.05


def test_the_stable_configuration_trains_the_default_estimator_with_a_small_soft_game(tmp_path) -> None:
    import json

    out = tmp_path / "stable"
    assert main(["train", "synthetic-h1299", "--n-train", "1", "--iterations", "2", "--batch-size", "2", "--validation-images", "1",
                 "--method", "adversarial-stable", "--out", str(out)]) == 0
    run = json.loads((out / "run.json").read_text())
    train, model, data = run["configs"]["train"], run["configs"]["model"], run["configs"]["data"]
    assert run["loss"] == "hybrid" and model["estimator"] == "unet" and model["discriminator"] == "ribcage"
    assert data["normalize"] == "flat" and train["select_on"] == "nuclei_f1"  # the default's base, kept on its nuclei
    assert 1 - train["hybrid_weight"] == pytest.approx(1 / 11)  # adversarial weight 0.1 against cross-entropy's 1
    assert (train["d_input"], train["manual_smoothing"]) == ("soft", 0.3)  # softmax against the code's label noise
    assert (train["d_window"], train["d_steps"], train["e_steps"]) == (64, 1, 5)
    assert (out / "model.pt").is_file()


def test_the_discriminator_can_judge_the_centre_of_each_pair(frames) -> None:
    preset = get_preset("cpu", options={"d_window": 24}, loss="adversarial", iterations=2, batch_size=2)
    trainer = Trainer(frames[:1], frames[1:], model_config=preset.model, data_config=preset.data, train_config=preset.train)
    assert trainer.output_size > 24 and trainer.d_size == (24, 24)
    trainer.fit(progress=False)
    assert trainer.step_e == 2 and trainer.step_d > 0
    from advseg.training.probes import probe_game

    assert 0.0 <= probe_game(trainer, batch_size=2)["d_manual"] <= 1.0  # the probes judge the same window
    too_wide = get_preset("cpu", options={"d_window": 500}, loss="adversarial")
    with pytest.raises(ValueError, match="`d_window` must be at most the estimator's output"):
        Trainer(frames[:1], frames[1:], model_config=too_wide.model, data_config=too_wide.data, train_config=too_wide.train)


def test_a_discriminator_that_already_wins_is_held_back(frames, monkeypatch) -> None:
    import advseg.training.game as game
    from advseg.training.game import discriminator_accuracy

    assert float(discriminator_accuracy(torch.tensor([[1.0], [2.0]]), torch.tensor([[-1.0], [0.5]]))) == 0.75
    preset = get_preset("cpu", options={"d_max_accuracy": 0.75}, loss="adversarial", iterations=2, batch_size=2)
    trainer = Trainer(frames[:1], frames[1:], model_config=preset.model, data_config=preset.data, train_config=preset.train)
    weights = lambda: [p.detach().clone() for p in trainer.discriminator.parameters()]  # noqa: E731
    for accuracy, held in ((0.9, True), (0.6, False)):
        monkeypatch.setattr(game, "discriminator_accuracy", lambda *_: torch.tensor(accuracy))
        before = weights()
        record = trainer.discriminator_step()
        unchanged = all(torch.equal(b, a) for b, a in zip(before, weights()))
        assert (record["d_accuracy"], record["d_held"], unchanged) == (pytest.approx(accuracy), float(held), held)
    assert trainer.step_d == 2  # a held step still counts: the schedule (and a resumed run) stays the same
    free = get_preset("cpu", loss="adversarial", iterations=2, batch_size=2)
    assert "d_held" not in Trainer(frames[:1], frames[1:], model_config=free.model, data_config=free.data,
                                   train_config=free.train).discriminator_step()
    with pytest.raises(ValueError, match="`d_max_accuracy` must be in"):
        TrainConfig(d_max_accuracy=0.3)


def test_the_stable_game_variants_change_one_thing_each() -> None:
    base = dict(METHODS["adversarial-stable-st-nuclei"].options)
    for name, changed in (("adversarial-stable-st-held", {"d_max_accuracy": 0.75}),
                          ("adversarial-stable", {"d_input": "soft", "manual_smoothing": 0.3})):
        options = dict(METHODS[name].options)
        assert {key: value for key, value in options.items() if base.get(key) != value} == changed, name
        assert set(base) - set(options) == set()
    flat = dict(METHODS["adversarial-stable-st-flat"].options)
    assert {key: value for key, value in base.items() if flat.get(key) != value} == {"select_on": "nuclei_f1"}
    default = dict(METHODS["recommended-flat-fit"].options)
    assert set(default.items()) <= set(flat.items())  # the game on the default's base: nothing of the base changed
