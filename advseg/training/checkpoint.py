"""Checkpoints of a training run: everything needed to continue exactly where it stopped.

:class:`Checkpointing` is mixed into :class:`advseg.training.trainer.Trainer`;
it reads and writes the trainer's networks, optimisers, sampler, RNG state,
step counters, selected model and history.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from advseg.training.modelfile import atomic_save

__all__ = ["Checkpointing"]


class Checkpointing:
    """Checkpoint methods of the trainer (it supplies the attributes they read)."""

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: weights, optimisers, sampler and RNG state, counters."""
        state = {
            "estimator": self.estimator.state_dict(),
            "opt_e": self.opt_e.state_dict(),
            "sampler": self.sampler.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "step_e": self.step_e,
            "step_d": self.step_d,
            "best_step": self.best_step,
            "best_validation": self.best_validation,
            "best_state": self.best_state,
            "history": self.history,
            "elapsed": self.elapsed,
            "configs": {"model": asdict(self.model_config), "data": asdict(self.data_config), "train": asdict(self.config)},
        }
        if self.discriminator is not None:
            state |= {"discriminator": self.discriminator.state_dict(), "opt_d": self.opt_d.state_dict()}
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output."""
        self.estimator.load_state_dict(state["estimator"])
        self.opt_e.load_state_dict(state["opt_e"])
        if self.discriminator is not None:
            self.discriminator.load_state_dict(state["discriminator"])
            self.opt_d.load_state_dict(state["opt_d"])
        self.sampler.load_state_dict(state["sampler"])
        torch.set_rng_state(state["torch_rng"])
        self.step_e, self.step_d = state["step_e"], state["step_d"]
        self.best_step, self.best_validation, self.best_state = state["best_step"], state["best_validation"], state["best_state"]
        self.history, self.elapsed = list(state["history"]), state["elapsed"]

    def save_checkpoint(self) -> Path:
        """Write ``run_dir/checkpoint.pt`` atomically."""
        if self.run_dir is None:
            raise ValueError("`run_dir` is needed to save a checkpoint")
        return atomic_save(self.state_dict(), self.run_dir / "checkpoint.pt")

    def resume(self) -> bool:
        """Continue from ``run_dir/checkpoint.pt`` if it exists; rewrite the history to match it."""
        path = None if self.run_dir is None else self.run_dir / "checkpoint.pt"
        if path is None or not path.is_file():
            return False
        state = torch.load(path, map_location=self.device, weights_only=True)
        saved = state["configs"]
        current = {"model": asdict(self.model_config), "data": asdict(self.data_config), "train": asdict(self.config)}
        for key in ("model", "data"):
            if saved[key] != current[key]:
                raise ValueError(f"{path}: checkpoint was made with a different {key} configuration; start a new run")
        self.load_state_dict(state)
        with (self.run_dir / "history.jsonl").open("w") as handle:
            handle.writelines(json.dumps(record) + "\n" for record in self.history)
        return True
