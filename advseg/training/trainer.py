"""The alternating training loop: discriminator steps, estimator steps, validation, checkpoints.

Each cycle runs ``d_steps`` discriminator steps, then ``e_steps`` estimator
steps (after an optional cross-entropy warm-up). The next step's kind is a
function of the two step counters alone, so a run restored from a checkpoint
continues exactly where it stopped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from advseg.data.config import DataConfig
from advseg.data.datasets import Sample
from advseg.data.device_sampler import DeviceCropSampler
from advseg.data.sampler import CropSampler
from advseg.nn import build_discriminator, build_estimator
from advseg.nn.config import ModelConfig
from advseg.nn.losses import cross_entropy_loss, discriminator_loss, estimator_loss, hybrid_loss
from advseg.nn.optimizers import build_optimizer, schedule_factor
from advseg.training.averaging import WeightAverage
from advseg.training.checkpoint import Checkpointing
from advseg.training.config import TrainConfig
from advseg.training.game import annealed, centre_crop, estimate_view, hold_back, manual_maps, r1_penalty
from advseg.training.guards import check_loss, check_losses
from advseg.training.selection import Selection
from advseg.utils import get_device, progress_bar, set_seed

__all__ = ["TrainResult", "Trainer"]

Callback = Callable[["Trainer", dict[str, Any]], None]


@dataclass(frozen=True)
class TrainResult:
    """What :meth:`Trainer.fit` returns."""

    best_step: int  # estimator step of the selected model
    best_validation: dict[str, float]  # its validation metrics
    steps_estimator: int
    steps_discriminator: int
    seconds: float  # wall time of this fit call


class Trainer(Checkpointing, Selection):
    """Train an estimator against a discriminator (or with cross-entropy alone).

    Parameters
    ----------
    train : sequence of Sample
        Exactly the annotated frames to train on.
    validation : sequence of Sample
        Frames for model selection (never the reported ones).
    model_config, data_config, train_config : configs, optional
    run_dir : path-like, optional
        Where ``history.jsonl``, ``checkpoint.pt`` and ``model.pt`` go; nothing
        is written when omitted.
    callbacks : sequence of callables, optional
        ``callback(trainer, record)`` after each validation.
    """

    def __init__(
        self,
        train: Sequence[Sample],
        validation: Sequence[Sample],
        *,
        model_config: ModelConfig | None = None,
        data_config: DataConfig | None = None,
        train_config: TrainConfig | None = None,
        run_dir: str | Path | None = None,
        callbacks: Sequence[Callback] = (),
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.model_config = model_config or ModelConfig()
        self.data_config = data_config or DataConfig()
        self.config = train_config or TrainConfig()
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.callbacks = list(callbacks)
        self.metadata = dict(metadata or {})
        self.validation = list(validation)
        self.device = get_device(self.config.device)
        set_seed(self.config.seed)
        # the device path: crops drawn on the device, losses read every log_every steps (advseg.data.device_sampler)
        self.on_device = self._sampler_kind() == "device"
        sampler = DeviceCropSampler if self.on_device else CropSampler
        self.sampler = sampler(train, config=self.data_config, seed=self.config.seed,  # checks the crop fits the frames
                               **({"device": self.device} if self.on_device else {}))
        # channels-last tensors run the convolutions about 1.5x faster on the CPU (oneDNN) and use tensor cores on GPUs
        self.estimator = build_estimator(self.model_config).to(self.device, memory_format=torch.channels_last)
        crop, multiple, kind = self.data_config.crop_size, int(getattr(self.estimator, "multiple", 1)), self.model_config.estimator
        if crop % multiple or crop < 4 * multiple:  # the U-Net's deepest level keeps at least 4 x 4 px of a crop
            raise ValueError(f"`crop_size` must be a multiple of {multiple}, at least {4 * multiple}, for the {kind} estimator, got {crop}")
        self.output_size = crop - int(getattr(self.estimator, "shrink", 0))
        self.adversarial = self.config.loss != "ce"
        window = self.config.d_window or self.output_size  # D judges the centre of the estimator's output, this wide
        if self.adversarial and window > self.output_size:
            raise ValueError(f"`d_window` must be at most the estimator's output, {self.output_size} px for crops of {crop}, got {window}")
        self.d_size = (window, window)
        try:
            if self.output_size < 1:
                raise ValueError(f"the estimator's output would be {self.output_size} px")
            discriminator = build_discriminator(self.model_config, input_size=window) if self.adversarial else None
        except (ValueError, RuntimeError, MemoryError) as error:  # too small, or too large to allocate
            reason = str(error).strip().splitlines()[0][:120] if str(error).strip() else type(error).__name__
            raise ValueError(f"`crop_size` {crop} does not suit this estimator and discriminator ({reason})") from error
        self.discriminator = discriminator.to(self.device, memory_format=torch.channels_last) if discriminator else None
        # the training steps' forward passes, compiled on request; validation and predict stay eager (any frame size)
        self._estimator_forward = torch.compile(self.estimator) if self.config.compile else self.estimator
        self._discriminator_forward = (torch.compile(self.discriminator) if self.config.compile and self.discriminator
                                       else self.discriminator)
        self.average = WeightAverage(self.estimator, decay=self.config.ema) if self.config.ema else None
        self.opt_e = build_optimizer(self.config.optimizer, self.estimator.parameters(), lr=self.config.lr_estimator)
        self.opt_d = (build_optimizer(self.config.optimizer, self.discriminator.parameters(), lr=self.config.lr_discriminator)
                      if self.discriminator is not None else None)
        weights = self.config.class_weights
        self.class_weights = torch.tensor(weights, dtype=torch.float32, device=self.device) if weights else None
        self.step_e = 0
        self.step_d = 0
        self.best_step = 0
        self.best_validation: dict[str, float] = {}
        self.best_state: dict[str, torch.Tensor] | None = None
        self.history: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any]] = []  # step records since the last history record (tensors on the device path)
        self._flushed = 0  # estimator step of the last history record
        self.elapsed = 0.0  # training seconds over all fit calls (restored on resume)
        self.last_probs: list[np.ndarray] = []  # (3, H, W) probabilities of each validation frame, latest validation

    # ---- the schedule ---------------------------------------------------------------

    def next_is_discriminator(self) -> bool:
        """Whether the next step trains the discriminator (a function of the step counters)."""
        if not self.adversarial or self.step_e < self.config.ce_warmup:
            return False
        cycle = (self.step_e - self.config.ce_warmup) // self.config.e_steps
        return self.step_d < (cycle + 1) * self.config.d_steps

    def _sampler_kind(self) -> str:
        if self.config.sampler != "auto":
            return self.config.sampler
        return "device" if self.device.type == "cuda" and not self.data_config.host_only else "host"

    def _read(self, value: torch.Tensor) -> float | torch.Tensor:
        """A logged scalar: read now on the host path, kept on the device (read at the next flush) on the device path."""
        return value.detach() if self.on_device else value.item()

    def _autocast(self) -> Any:
        kind = self.device.type
        enabled = (self.config.amp and kind == "cuda") or (self.config.bf16_cpu and kind == "cpu")
        return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=enabled)

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.on_device:
            return self.sampler.sample(self.config.batch_size)  # already there, channels-last
        images, targets = self.sampler.sample(self.config.batch_size)  # (B, 1, S, S), (B, S, S)
        images = torch.from_numpy(images).to(self.device).contiguous(memory_format=torch.channels_last)
        return images, torch.from_numpy(targets).to(self.device)

    def _pairs(self, images: torch.Tensor, targets: torch.Tensor, probs: torch.Tensor,
               *, manual_grad: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """D's logits on B manual and B estimated pairs in one batch of 2B (shared batch statistics), and D's manual input."""
        size = self.d_size
        images = centre_crop(images, size)  # (B, 1, s, s)
        manual = manual_maps(centre_crop(targets, size), smoothing=self.config.manual_smoothing)  # (B, 3, s, s)
        estimated = estimate_view(centre_crop(probs, size), mode=self.config.d_input)
        noise = annealed(self.config.instance_noise, self.step_e, self.config.iterations)
        if noise:
            manual = manual + noise * torch.randn_like(manual)
            estimated = estimated + noise * torch.randn_like(estimated)
        if manual_grad:
            manual.requires_grad_(True)
        return self._discriminator_forward(torch.cat([images, images]), torch.cat([manual, estimated])), manual  # (2B, 1[, h, w])

    # ---- steps ----------------------------------------------------------------------

    def discriminator_step(self) -> dict[str, float]:
        """One discriminator update on B manual and B estimated pairs."""
        images, targets = self._batch()
        B = images.shape[0]
        self.discriminator.train()
        with torch.no_grad(), self._autocast():
            probs = torch.softmax(self._estimator_forward(images).float(), dim=1)  # (B, 3, s, s)
        r1 = self.config.r1_gamma > 0
        with self._autocast():
            logits, manual = self._pairs(images, targets, probs, manual_grad=r1)
            logits = logits.float()
            loss = discriminator_loss(logits[:B], logits[B:], real_label=self.config.real_label)
            if r1:
                loss = loss + r1_penalty(logits[:B], manual, gamma=self.config.r1_gamma)
        if not self.on_device:
            check_loss(loss, name="discriminator loss", step=self._where(discriminator=True))
        held, gate = hold_back(logits.detach()[:B], logits.detach()[B:], max_accuracy=self.config.d_max_accuracy)
        if not held:  # a D that already wins is held back (TrainConfig.d_max_accuracy)
            self.opt_d.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_d.step()
        self.step_d += 1
        gate |= {"loss_d": loss, "d_manual": torch.sigmoid(logits[:B].detach()).mean(), "d_estimated": torch.sigmoid(logits[B:].detach()).mean()}
        return {key: self._read(value) for key, value in gate.items()}

    def estimator_step(self) -> dict[str, float]:
        """One estimator update with the configured loss (the discriminator frozen)."""
        images, targets = self._batch()
        B = images.shape[0]
        self.estimator.train()
        record: dict[str, float] = {}
        with self._autocast():
            logits = self._estimator_forward(images).float()  # (B, 3, s, s)
            size = tuple(logits.shape[-2:])
            ce = cross_entropy_loss(
                logits, centre_crop(targets, size), class_weights=self.class_weights, double_softmax=self.config.double_softmax
            )
            loss = ce
            if self.adversarial and self.step_e >= self.config.ce_warmup:
                self.discriminator.requires_grad_(False)
                try:
                    d_logits = self._pairs(images, targets, torch.softmax(logits, dim=1))[0].float()
                finally:
                    self.discriminator.requires_grad_(True)
                adv = estimator_loss(d_logits[B:], form=self.config.estimator_form)
                loss = adv if self.config.loss == "adversarial" else hybrid_loss(adv, ce, weight=self.config.hybrid_weight)
                d = torch.sigmoid(d_logits.detach())
                record |= {"loss_adv": self._read(adv), "d_manual_e": self._read(d[:B].mean()),
                           "d_estimated_e": self._read(d[B:].mean())}
        if not self.on_device:
            check_loss(loss, name="estimator loss", step=self._where())
        self.opt_e.zero_grad(set_to_none=True)
        loss.backward()
        factor = schedule_factor(self.step_e, self.config.iterations, schedule=self.config.lr_schedule)
        for group in self.opt_e.param_groups:
            group["lr"] = self.config.lr_estimator * factor
        self.opt_e.step()
        if self.average is not None:
            self.average.update(self.estimator)
        self.step_e += 1
        return record | {"loss_e": self._read(loss), "ce": self._read(ce)}

    def _where(self, *, discriminator: bool = False) -> str:
        """The step being taken, in words, for error messages."""
        if discriminator:
            return f"discriminator step {self.step_d + 1} (after {self.step_e} estimator steps)"
        return f"estimator step {self.step_e + 1}" + (f" (after {self.step_d} discriminator steps)" if self.adversarial else "")

    # ---- the loop -------------------------------------------------------------------------

    def _log(self, record: dict[str, Any]) -> None:
        self.history.append(record)
        if self.run_dir is not None:
            with (self.run_dir / "history.jsonl").open("a") as handle:
                handle.write(json.dumps(record) + "\n")

    def _flush(self) -> dict[str, Any]:
        keys = sorted({key for record in self._pending for key in record})
        if self.on_device:  # one read of everything since the last flush; the divergence check happens here
            values = {key: torch.stack([r[key] for r in self._pending if key in r]).float() for key in keys}
            check_losses(values, steps=f"estimator steps {self._flushed + 1} to {self.step_e}")
            means = torch.stack([value.mean() for value in values.values()]).tolist() if values else []
            summary = dict(zip(values, means))
        else:
            summary = {key: float(np.mean([r[key] for r in self._pending if key in r])) for key in keys}
        self._flushed = self.step_e
        self._pending = []
        record = {"kind": "train", "step_e": self.step_e, "step_d": self.step_d, "seconds": round(self.elapsed, 3)} | summary
        self._log(record)
        return record

    def fit(self, *, progress: bool = True, stop_after: int | None = None) -> TrainResult:
        """Train until ``config.iterations`` estimator steps (or ``stop_after`` more of them).

        Parameters
        ----------
        progress : bool, optional
            A tqdm bar with the live losses and D's mean outputs.
        stop_after : int, optional
            Stop after this many estimator steps in this call (to simulate an
            interruption, or to train in slices).

        Returns
        -------
        TrainResult
        """
        if self.run_dir is not None:
            self.run_dir.mkdir(parents=True, exist_ok=True)
        target = self.config.iterations if stop_after is None else min(self.config.iterations, self.step_e + stop_after)
        start = time.perf_counter()
        last = start
        bar = progress_bar(total=self.config.iterations, initial=self.step_e, disable=not progress, desc="training", unit="E step")
        with bar:  # closed, ending its line, also when training stops with an error
            while self.step_e < target:
                if self.next_is_discriminator():
                    self._pending.append(self.discriminator_step())
                    continue
                self._pending.append(self.estimator_step())
                now = time.perf_counter()
                self.elapsed, last = self.elapsed + (now - last), now
                bar.update(1)
                if self.step_e % self.config.log_every == 0 or self.step_e == self.config.iterations:
                    record = self._flush()
                    bar.set_postfix({k: f"{record[k]:.3f}" for k in ("loss_d", "loss_e", "d_manual", "d_estimated") if k in record}, refresh=False)
                if self.step_e % self.config.validate_every == 0 or self.step_e == self.config.iterations:
                    scores = self.validate()
                    improved = self._select(scores)
                    record = {"kind": "validation", "step_e": self.step_e, "seconds": round(self.elapsed, 3), "selected": improved} | scores
                    self._log(record)
                    for callback in self.callbacks:
                        callback(self, record)
                if self.run_dir is not None and (self.step_e % self.config.checkpoint_every == 0 or self.step_e == self.config.iterations):
                    self.save_checkpoint()
                last = time.perf_counter()
        return TrainResult(
            best_step=self.best_step, best_validation=self.best_validation,
            steps_estimator=self.step_e, steps_discriminator=self.step_d, seconds=time.perf_counter() - start,
        )
