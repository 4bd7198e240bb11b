"""A short CPU training run end to end: step bookkeeping, checkpoints and exact resumption."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from advseg.data.config import DataConfig
from advseg.data.datasets import Sample
from advseg.data.synthetic import SyntheticConfig, synthetic_timelapse
from advseg.nn.config import ModelConfig
from advseg.training.config import TrainConfig
from advseg.training.modelfile import load_model, save_model
from advseg.training.trainer import Trainer

TINY = SyntheticConfig(n_frames=3, height=96, width=112, n_nuclei=8, n_pairs=2, n_divisions=0)


@pytest.fixture(scope="module")
def frames() -> list[Sample]:
    movie = synthetic_timelapse(TINY, seed=0)
    return [Sample(f"f{t}", movie.images[t].astype(np.float32), movie.labels[t].astype(np.int32), "uint16") for t in range(3)]


def small_config(**overrides) -> TrainConfig:
    base = {"batch_size": 2, "iterations": 10, "d_steps": 2, "e_steps": 1, "validate_every": 5, "checkpoint_every": 5, "log_every": 5}
    return TrainConfig(**(base | overrides))


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def changed(before: dict[str, torch.Tensor], module: torch.nn.Module) -> bool:
    return any(not torch.equal(before[name], p) for name, p in module.named_parameters())


def test_thirty_steps_update_each_network_only_in_its_own_steps(frames) -> None:
    trainer = Trainer(frames[:1], frames[1:2], train_config=small_config(iterations=1000))
    kinds = []
    for _ in range(30):
        e_before, d_before = snapshot(trainer.estimator), snapshot(trainer.discriminator)
        is_d = trainer.next_is_discriminator()
        record = trainer.discriminator_step() if is_d else trainer.estimator_step()
        assert all(np.isfinite(v) for v in record.values()), record
        assert changed(e_before, trainer.estimator) is (not is_d)
        assert changed(d_before, trainer.discriminator) is is_d
        kinds.append("D" if is_d else "E")
    assert "".join(kinds[:6]) == "DDEDDE"  # 2 discriminator steps, then 1 estimator step
    assert (trainer.step_d, trainer.step_e) == (20, 10)


def test_schedule_with_warmup_and_paper_ratio(frames) -> None:
    trainer = Trainer(frames[:1], frames[1:2], train_config=small_config(d_steps=20, e_steps=10, ce_warmup=3))
    kinds = []
    for _ in range(3 + 30 + 20):
        is_d = trainer.next_is_discriminator()
        kinds.append("D" if is_d else "E")
        if is_d:
            trainer.step_d += 1
        else:
            trainer.step_e += 1
    assert "".join(kinds) == "EEE" + "D" * 20 + "E" * 10 + "D" * 20


def test_ce_run_has_no_discriminator(frames) -> None:
    trainer = Trainer(frames[:1], frames[1:2], train_config=small_config(loss="ce"))
    assert trainer.discriminator is None and not trainer.next_is_discriminator()
    result = trainer.fit(progress=False)
    assert result.steps_discriminator == 0 and result.steps_estimator == 10


def test_run_writes_history_model_and_checkpoint(frames, tmp_path: Path) -> None:
    trainer = Trainer(frames[:1], frames[1:2], train_config=small_config(), run_dir=tmp_path)
    result = trainer.fit(progress=False)
    assert result.steps_estimator == 10 and result.steps_discriminator == 20
    records = [json.loads(line) for line in (tmp_path / "history.jsonl").read_text().splitlines()]
    assert [r["step_e"] for r in records if r["kind"] == "validation"] == [5, 10]
    train_records = [r for r in records if r["kind"] == "train"]
    assert {"loss_d", "loss_e", "d_manual", "d_estimated"} <= set(train_records[0])
    assert (tmp_path / "checkpoint.pt").is_file() and (tmp_path / "model.pt").is_file()
    assert not list(tmp_path.glob("*.tmp"))


def test_model_file_reloads_to_identical_outputs(frames, tmp_path: Path) -> None:
    trainer = Trainer(frames[:1], frames[1:2], train_config=small_config(loss="ce"))
    trainer.fit(progress=False)
    save_model(tmp_path / "m.pt", trainer.estimator, model_config=trainer.model_config, data_config=trainer.data_config)
    loaded = load_model(tmp_path / "m.pt")
    trainer.estimator.eval()
    x = torch.from_numpy(frames[2].image[None, None])
    assert torch.equal(trainer.estimator(x), loaded.estimator(x))
    assert loaded.model_config == trainer.model_config and loaded.data_config == trainer.data_config


def test_interrupted_and_resumed_run_equals_an_uninterrupted_one(frames, tmp_path: Path) -> None:
    config = small_config(iterations=8, validate_every=2, checkpoint_every=2)
    whole = Trainer(frames[:2], frames[2:], train_config=config, run_dir=tmp_path / "whole")
    whole.fit(progress=False)

    first = Trainer(frames[:2], frames[2:], train_config=config, run_dir=tmp_path / "split")
    first.fit(progress=False, stop_after=5)  # "interrupted" after 5 steps; last checkpoint at step 4
    resumed = Trainer(frames[:2], frames[2:], train_config=config, run_dir=tmp_path / "split")
    assert resumed.resume() and resumed.step_e == 4
    resumed.fit(progress=False)

    for a, b in [(whole.estimator, resumed.estimator), (whole.discriminator, resumed.discriminator)]:
        for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
            assert torch.equal(p, q), name
    assert whole.best_step == resumed.best_step
    history = [json.loads(line) for line in (tmp_path / "split" / "history.jsonl").read_text().splitlines()]
    assert [r["step_e"] for r in history if r["kind"] == "validation"] == [2, 4, 6, 8]


def test_resume_refuses_a_different_model(frames, tmp_path: Path) -> None:
    Trainer(frames[:1], frames[1:2], train_config=small_config(iterations=5), run_dir=tmp_path).fit(progress=False)
    other = Trainer(frames[:1], frames[1:2], model_config=ModelConfig(layer4_kernel=4), train_config=small_config(iterations=5), run_dir=tmp_path)
    with pytest.raises(ValueError, match="different model configuration"):
        other.resume()


@pytest.mark.parametrize("discriminator", ["concat", "patch"])
def test_other_discriminators_and_unet_train(frames, discriminator: str) -> None:
    trainer = Trainer(
        frames[:1], frames[1:2],
        model_config=ModelConfig(estimator="unet", discriminator=discriminator),
        data_config=DataConfig(crop_size=32, normalize="percentile"),
        train_config=small_config(iterations=3, loss="hybrid"),
    )
    result = trainer.fit(progress=False)
    assert result.steps_estimator == 3 and np.isfinite(result.best_validation["val_paper_f"])


def test_not_a_model_file(tmp_path: Path) -> None:
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not an advseg model file"):
        load_model(tmp_path / "junk.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="no 'advseg-model' marker"):
        load_model(tmp_path / "other.pt")
    with pytest.raises(FileNotFoundError, match="no such model file"):
        load_model(tmp_path / "missing.pt")


def test_paper_preset_runs_a_few_steps_on_the_cpu(frames) -> None:
    from advseg.training.presets import get_preset

    preset = get_preset("paper", iterations=2, batch_size=2, device="cpu")
    assert preset.train.d_steps == 20 and preset.train.e_steps == 10 and preset.train.lr_estimator == 1e-4
    trainer = Trainer(frames[:1], frames[1:2], model_config=preset.model, data_config=preset.data, train_config=preset.train)
    result = trainer.fit(progress=False)
    assert (result.steps_estimator, result.steps_discriminator) == (2, 20)


def test_unknown_preset() -> None:
    from advseg.training.presets import get_preset

    with pytest.raises(ValueError, match="`preset` must be one of"):
        get_preset("gpu")


@pytest.mark.parametrize("factor", [2, 4])
def test_budget_presets_differ_from_cpu_only_in_estimator_steps(factor: int) -> None:
    from dataclasses import replace

    from advseg.training.presets import get_preset

    cpu, scaled = get_preset("cpu"), get_preset(f"cpu-{factor}x")
    assert scaled.train.iterations == factor * cpu.train.iterations == factor * 600
    assert (scaled.model, scaled.data) == (cpu.model, cpu.data)
    assert replace(scaled.train, iterations=cpu.train.iterations) == cpu.train


def test_a_nan_pixel_stops_training_at_the_first_step(frames) -> None:
    from advseg.training.guards import TrainingDiverged

    image = frames[0].image.copy()
    image[::8] = np.nan  # in memory, past read_image's refusal; every crop holds some
    trainer = Trainer([Sample("nan", image, frames[0].labels, "float32")], frames[1:2], train_config=small_config(loss="ce"))
    with pytest.raises(TrainingDiverged, match=r"^training diverged at estimator step 1: the estimator loss is nan; lower"):
        trainer.estimator_step()
    adversarial = Trainer([Sample("nan", image, frames[0].labels, "float32")], frames[1:2], train_config=small_config())
    with pytest.raises(TrainingDiverged, match=r"^training diverged at discriminator step 1 \(after 0 estimator steps\)"):
        adversarial.discriminator_step()


def test_non_finite_weights_are_never_selected_or_saved(frames, tmp_path: Path) -> None:
    from advseg.training.guards import TrainingDiverged

    trainer = Trainer(frames[:1], frames[1:2], train_config=small_config(loss="ce"), run_dir=tmp_path)
    with torch.no_grad():
        next(trainer.estimator.parameters())[0] = float("inf")
    with pytest.raises(TrainingDiverged, match="by estimator step 0: 1 of the estimator's tensors hold NaN or infinity"):
        trainer.validate()
    with pytest.raises(TrainingDiverged):
        trainer.save_checkpoint()
    with pytest.raises(ValueError, match="not saved: 1 weight tensor"):
        save_model(tmp_path / "m.pt", trainer.estimator, model_config=ModelConfig(), data_config=DataConfig())
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_device_path_trains_logs_floats_and_resumes_exactly(frames, tmp_path: Path) -> None:
    """The GPU path (crops drawn on the device, losses read every log_every steps), run on the CPU."""
    config = small_config(iterations=8, validate_every=2, checkpoint_every=2, log_every=2, sampler="device")
    whole = Trainer(frames[:2], frames[2:], train_config=config, run_dir=tmp_path / "whole")
    assert whole.on_device and type(whole.sampler).__name__ == "DeviceCropSampler"
    whole.fit(progress=False)
    records = [r for r in whole.history if r["kind"] == "train"]
    assert [r["step_e"] for r in records] == [2, 4, 6, 8]
    assert all(isinstance(r[k], float) and np.isfinite(r[k]) for r in records for k in ("loss_e", "ce", "loss_d", "d_manual"))
    first = Trainer(frames[:2], frames[2:], train_config=config, run_dir=tmp_path / "split")
    first.fit(progress=False, stop_after=5)
    resumed = Trainer(frames[:2], frames[2:], train_config=config, run_dir=tmp_path / "split")
    assert resumed.resume() and resumed.step_e == 4
    resumed.fit(progress=False)
    for (name, p), q in zip(whole.estimator.state_dict().items(), resumed.estimator.state_dict().values()):
        assert torch.equal(p, q), name


def test_device_path_is_the_default_only_on_cuda(frames) -> None:
    assert not Trainer(frames[:1], frames[1:2], train_config=small_config()).on_device  # auto on the CPU: host
    with pytest.raises(ValueError, match="host sampler"):
        Trainer(frames[:1], frames[1:2], data_config=DataConfig(intensity_augment=True), train_config=small_config(sampler="device"))
    with pytest.raises(ValueError, match="`sampler` must be one of"):
        small_config(sampler="gpu")


def test_device_path_stops_a_diverged_run_at_the_next_history_record(frames) -> None:
    from advseg.training.guards import TrainingDiverged

    image = frames[0].image.copy()
    image[::8] = np.nan
    trainer = Trainer([Sample("nan", image, frames[0].labels, "float32")], frames[1:2],
                      train_config=small_config(loss="ce", sampler="device", log_every=3, validate_every=3))
    trainer.estimator_step()  # not read yet: no synchronisation
    with pytest.raises(TrainingDiverged, match=r"^training diverged at estimator steps 1 to 3: the ce is nan; lower"):
        trainer.fit(progress=False)


def test_host_checkpoint_refuses_the_device_sampler(frames, tmp_path: Path) -> None:
    Trainer(frames[:1], frames[1:2], train_config=small_config(iterations=5), run_dir=tmp_path).fit(progress=False)
    with pytest.raises(ValueError, match="sampler"):
        Trainer(frames[:1], frames[1:2], train_config=small_config(iterations=5, sampler="device"), run_dir=tmp_path).resume()


def gradients(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.grad.detach().clone() for name, p in module.named_parameters() if p.grad is not None}


@pytest.mark.slow
def test_compiled_steps_compute_the_plain_steps_losses_and_gradients(frames) -> None:
    # torch.compile fuses kernels and reorders sums. Losses agree to 1e-4 relative; gradients to 2 % of the
    # network's largest gradient, the size of what running the plain steps on 2 threads instead of 1 changes
    # (batch norm over small batches amplifies rounding; biases before batch norm have a true gradient of 0)
    runs = []
    for compiled in (False, True):
        trainer = Trainer(frames[:2], frames[2:], train_config=small_config(compile=compiled, device="cpu"))
        d_record = trainer.discriminator_step()
        d_grads = gradients(trainer.discriminator)
        e_record = trainer.estimator_step()
        runs.append(([d_record, e_record], [d_grads, gradients(trainer.estimator)]))
    (plain_records, plain_grads), (compiled_records, compiled_grads) = runs
    for plain, compiled in zip(plain_records, compiled_records):
        assert plain.keys() == compiled.keys()
        np.testing.assert_allclose([compiled[k] for k in plain], [plain[k] for k in plain], rtol=1e-4)
    for plain, compiled in zip(plain_grads, compiled_grads):
        assert plain.keys() == compiled.keys() and plain
        scale = max(g.abs().max().item() for g in plain.values())
        for name in plain:
            assert (compiled[name] - plain[name]).abs().max().item() <= 2e-2 * scale, name


def test_bfloat16_steps_on_the_cpu_stay_close_to_float32(frames) -> None:
    records = []
    for bf16 in (False, True):
        trainer = Trainer(frames[:2], frames[2:], train_config=small_config(bf16_cpu=bf16, device="cpu"))
        records.append([trainer.discriminator_step(), trainer.estimator_step()])
    for plain, half in zip(*records):
        np.testing.assert_allclose([half[k] for k in plain], [plain[k] for k in plain], rtol=3e-2)


def test_weight_average_follows_the_estimator_and_resumes_exactly(frames, tmp_path: Path) -> None:
    config = small_config(loss="ce", iterations=8, validate_every=2, checkpoint_every=2, ema=0.9, lr_schedule="cosine",
                          optimizer="adamw")
    whole = Trainer(frames[:2], frames[2:], train_config=config, run_dir=tmp_path / "whole")
    whole.fit(progress=False)
    assert whole.average.updates == 8
    # the average lags the trained weights: between the initial and the final ones, equal to neither
    first = next(iter(whole.average.module.parameters()))
    assert not torch.equal(first, next(iter(whole.estimator.parameters())))
    # what is selected and saved is the average's weights at the best validation
    best = whole.best_step
    assert best in (2, 4, 6, 8) and set(whole.best_state) == set(whole.estimator.state_dict())
    if best == 8:
        assert all(torch.equal(whole.best_state[k], v) for k, v in whole.average.module.state_dict().items())

    first_run = Trainer(frames[:2], frames[2:], train_config=config, run_dir=tmp_path / "split")
    first_run.fit(progress=False, stop_after=5)
    resumed = Trainer(frames[:2], frames[2:], train_config=config, run_dir=tmp_path / "split")
    assert resumed.resume() and resumed.step_e == 4 and resumed.average.updates == 4
    resumed.fit(progress=False)
    for a, b in [(whole.estimator, resumed.estimator), (whole.average.module, resumed.average.module)]:
        for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
            assert torch.equal(p, q), name
    whole.load_best()
    assert all(torch.equal(whole.best_state[k], v) for k, v in whole.average.module.state_dict().items())


def test_weight_average_warms_up_and_refuses_a_bad_decay() -> None:
    from advseg.training.averaging import WeightAverage

    net = torch.nn.Linear(2, 1)
    average = WeightAverage(net, decay=0.99)
    with torch.no_grad():
        net.weight.add_(1.0)
    before = average.module.weight.clone()
    average.update(net)  # t = 0: decay 0.1, so 90 % of the way
    assert torch.allclose(average.module.weight, before + 0.9)
    for bad in (0.0, 1.0, -0.5):
        with pytest.raises(ValueError, match="`decay` must be in"):
            WeightAverage(net, decay=bad)
    with pytest.raises(ValueError, match="`ema` must be a decay"):
        TrainConfig(ema=1.0)


@pytest.mark.parametrize(("select_on", "chosen"), [("paper_f", [True, True, False]), ("nuclei_f1", [True, False, True])])
def test_selection_maximises_the_configured_validation_score(frames, select_on: str, chosen: list[bool]) -> None:
    trainer = Trainer(frames[:1], frames[1:2], train_config=small_config(loss="ce", select_on=select_on))
    scores = [{"val_paper_f": 0.5, "val_nuclei_f1": 0.2},  # first: always kept
              {"val_paper_f": 0.9, "val_nuclei_f1": 0.1},  # better interiors, worse nuclei (background called contour)
              {"val_paper_f": 0.1, "val_nuclei_f1": 0.3}]
    assert [trainer._select(s) for s in scores] == chosen
    assert ("val_nuclei_f1" in trainer.validate()) is (select_on == "nuclei_f1")


def test_an_unknown_selection_score_is_refused() -> None:
    with pytest.raises(ValueError, match="select_on"):
        TrainConfig(select_on="f1")
