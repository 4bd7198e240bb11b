"""Probes of the game: each measurement on hand-made maps, and one probe of a short adversarial run."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from advseg.data.datasets import Sample
from advseg.data.synthetic import SyntheticConfig, synthetic_timelapse
from advseg.training.config import TrainConfig
from advseg.training.probes import (entropy, entropy_separability, probe_callback, probe_game, soften_to_entropy,
                                    swap_interior_contour)
from advseg.training.trainer import Trainer


def one_hot(classes: torch.Tensor) -> torch.Tensor:
    return F.one_hot(classes, 3).permute(0, 3, 1, 2).float()


def test_entropy_of_one_hot_and_uniform_maps() -> None:
    maps = one_hot(torch.randint(3, (2, 5, 5)))
    assert entropy(maps).tolist() == pytest.approx([0.0, 0.0], abs=1e-6)
    assert entropy(torch.full((1, 3, 4, 4), 1 / 3)).item() == pytest.approx(np.log(3), rel=1e-5)


def test_softening_reaches_the_target_entropy_and_keeps_the_argmax() -> None:
    maps = one_hot(torch.randint(3, (4, 8, 8)))
    soft = soften_to_entropy(maps, 0.3)
    assert float(entropy(soft).mean()) == pytest.approx(0.3, abs=1e-3)
    assert torch.equal(soft.argmax(dim=1), maps.argmax(dim=1))


def test_swap_exchanges_interior_and_contour_only() -> None:
    maps = one_hot(torch.tensor([[[0, 1, 2]]]))
    assert swap_interior_contour(maps).argmax(dim=1).tolist() == [[[0, 2, 1]]]


def test_entropy_separates_one_hot_from_softmax_perfectly_and_equal_sets_not_at_all() -> None:
    manual = one_hot(torch.randint(3, (6, 4, 4)))
    estimated = torch.softmax(torch.randn(6, 3, 4, 4), dim=1)
    assert entropy_separability(manual, estimated) == 1.0
    assert entropy_separability(manual, manual.clone()) == 0.5


@pytest.fixture(scope="module")
def trainer() -> Trainer:
    movie = synthetic_timelapse(SyntheticConfig(n_frames=2, height=96, width=96, n_nuclei=8, n_pairs=2, n_divisions=0), seed=0)
    frames = [Sample(f"f{t}", movie.images[t].astype(np.float32), movie.labels[t].astype(np.int32), "uint16") for t in range(2)]
    config = TrainConfig(batch_size=2, iterations=4, d_steps=1, e_steps=1, validate_every=2, log_every=2)
    trainer = Trainer(frames[:1], frames[1:], train_config=config, callbacks=[probe_callback(batch_size=4)])
    trainer.fit(progress=False)
    return trainer


def test_probe_callback_records_every_validation(trainer: Trainer) -> None:
    probes = trainer.metadata["probes"]
    assert [p["step_e"] for p in probes] == [2, 4]
    keys = {"d_manual", "d_manual_noised", "d_estimated", "d_argmax", "d_softened_manual", "d_swapped_manual", "d_mismatched_manual",
            "d_accuracy", "d_accuracy_mixed", "d_accuracy_pure", "entropy_separability", "fraction_background",
            "fraction_interior", "fraction_contour", "interior_as_contour", "entropy_manual", "entropy_estimated"}
    assert keys <= set(probes[0])
    for key in keys - {"entropy_manual", "entropy_estimated"}:
        assert 0.0 <= probes[-1][key] <= 1.0, key
    fractions = sum(probes[-1][f"fraction_{c}"] for c in ("background", "interior", "contour"))
    assert fractions == pytest.approx(1.0)


def test_probe_leaves_training_as_it_was(trainer: Trainer) -> None:
    state = trainer.sampler.state_dict()
    rng = torch.get_rng_state()
    running = {k: v.clone() for k, v in trainer.discriminator.state_dict().items()}
    trainer.estimator.train()
    probe_game(trainer, batch_size=4)
    assert trainer.sampler.state_dict()["bit_generator"] == state["bit_generator"]
    assert all(torch.equal(running[k], v) for k, v in trainer.discriminator.state_dict().items())
    assert trainer.estimator.training
    assert torch.equal(torch.get_rng_state(), rng)  # training's label noise draws what it would have drawn


def test_probe_needs_a_discriminator() -> None:
    without = type("CrossEntropyTrainer", (), {"discriminator": None})()
    with pytest.raises(ValueError, match="no discriminator"):
        probe_game(without)


def test_train_probe_flag_writes_probes(tmp_path) -> None:
    import json

    from advseg.cli.main import main

    out = tmp_path / "run"
    assert main(["train", "synthetic-h1299", "--n-train", "1", "--iterations", "2", "--batch-size", "2", "--validation-images", "1",
                 "--probe", "--out", str(tmp_path / "default")]) == 1  # the default method trains with cross-entropy
    assert main(["train", "synthetic-h1299", "--n-train", "1", "--iterations", "2", "--batch-size", "2", "--validation-images", "1",
                 "--loss", "adversarial", "--probe", "--out", str(out)]) == 0
    lines = [json.loads(line) for line in (out / "probes.jsonl").read_text().splitlines()]
    assert [line["step_e"] for line in lines] == [2] and "d_swapped_manual" in lines[0]
    assert main(["train", "synthetic-h1299", "--n-train", "1", "--loss", "ce", "--probe", "--out", str(tmp_path / "ce")]) == 1
