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

from advseg.training.guards import check_weights, non_finite_weights
from advseg.training.modelfile import atomic_save

__all__ = ["RESUMABLE", "Checkpointing"]

RESUMABLE = ("iterations", "device", "compile")  # TrainConfig fields a resumed run may change (train longer, elsewhere, compiled)
_REQUIRED = ("estimator", "opt_e", "sampler", "torch_rng", "step_e", "step_d", "best_step", "best_validation", "best_state",
             "history", "elapsed", "configs")  # what state_dict() always writes


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
            "metadata": self.metadata,
            "configs": {"model": asdict(self.model_config), "data": asdict(self.data_config), "train": asdict(self.config)},
        }
        if self.discriminator is not None:
            state |= {"discriminator": self.discriminator.state_dict(), "opt_d": self.opt_d.state_dict()}
        if self.average is not None:
            state["average"] = self.average.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output."""
        self.estimator.load_state_dict(state["estimator"])
        self.opt_e.load_state_dict(state["opt_e"])
        if self.discriminator is not None:
            self.discriminator.load_state_dict(state["discriminator"])
            self.opt_d.load_state_dict(state["opt_d"])
        if self.average is not None:
            self.average.load_state_dict(state["average"])
        self.sampler.load_state_dict(state["sampler"])
        torch.set_rng_state(state["torch_rng"])
        self.step_e, self.step_d = state["step_e"], state["step_d"]
        self._flushed = self.step_e  # checkpoints are written right after a history record
        self.best_step, self.best_validation, self.best_state = state["best_step"], state["best_validation"], state["best_state"]
        self.history, self.elapsed = list(state["history"]), state["elapsed"]

    def save_checkpoint(self) -> Path:
        """Write ``run_dir/checkpoint.pt`` atomically."""
        if self.run_dir is None:
            raise ValueError("`run_dir` is needed to save a checkpoint")
        check_weights({"estimator": self.estimator, "discriminator": self.discriminator}, step=f"estimator step {self.step_e}")
        return atomic_save(self.state_dict(), self.run_dir / "checkpoint.pt")

    def resume(self) -> bool:
        """Continue from ``run_dir/checkpoint.pt`` if it exists; rewrite the history to match it.

        Raises
        ------
        ValueError
            In one line naming the file, if the checkpoint cannot be read, is
            not an advseg checkpoint, was made with another configuration or
            data, does not fit the networks, or holds non-finite weights.
        """
        path = None if self.run_dir is None else self.run_dir / "checkpoint.pt"
        if path is None or not path.is_file():
            return False
        again = "start the run again with --overwrite"
        try:
            state = torch.load(path, map_location=self.device, weights_only=True)
        except Exception as error:  # torch raises many types for damaged, truncated or foreign files
            raise ValueError(f"{path}: cannot read the checkpoint ({_reason(error)}); {again}") from error
        missing = [key for key in _REQUIRED if key not in state] if isinstance(state, dict) else list(_REQUIRED)
        if missing:
            raise ValueError(f"{path}: not a checkpoint of an advseg run (no {', '.join(missing[:3])}); {again}")
        current = {"model": asdict(self.model_config), "data": asdict(self.data_config), "train": asdict(self.config)}
        for key in ("model", "data", "train"):
            saved = dict(state["configs"].get(key, {})) if isinstance(state["configs"], dict) else {}
            for field, value in current[key].items():
                if key == "train" and field in RESUMABLE:
                    continue
                if _plain(saved.get(field)) != _plain(value):
                    raise ValueError(
                        f"{path}: checkpoint was made with a different {key} configuration "
                        f"({field} {saved.get(field)!r} then, {value!r} now); start a new run"
                    )
        saved_meta = state.get("metadata")
        for field, value in self.metadata.items():
            if isinstance(saved_meta, dict) and field in saved_meta and _plain(saved_meta[field]) != _plain(value):
                raise ValueError(f"{path}: checkpoint belongs to another run ({field} {saved_meta[field]!r} then, {value!r} now); {again}")
        try:
            self.load_state_dict(state)
        except Exception as error:  # a foreign state: missing keys, other shapes, other types
            raise ValueError(f"{path}: checkpoint does not fit this run's networks ({_reason(error)}); {again}") from error
        bad = non_finite_weights(state["estimator"])
        if bad:
            raise ValueError(f"{path}: checkpoint holds non-finite weights (first {bad[0]!r}); {again}")
        with (self.run_dir / "history.jsonl").open("w") as handle:
            handle.writelines(json.dumps(record) + "\n" for record in self.history)
        return True


def _plain(value: Any) -> Any:
    """Tuples as lists, as they come back from a checkpoint or JSON."""
    return [_plain(v) for v in value] if isinstance(value, (list, tuple)) else value


def _reason(error: BaseException) -> str:
    """An exception as one short line: its type and the first line of its message."""
    lines = str(error).strip().splitlines()
    first = lines[0].split(". ")[0].rstrip(".")[:160] if lines else ""  # the first sentence
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
