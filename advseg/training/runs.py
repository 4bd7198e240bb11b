"""One training run as the command line and the training chapter make it: files, provenance, metrics.

A run folder holds ``run.json`` (what was run, by which code, on what),
``history.jsonl`` (losses, D's outputs and validation scores as they come),
``checkpoint.pt`` (to resume), ``model.pt`` (the selected estimator) and
``metrics.json`` (the selected model's validation scores).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from advseg._version import __version__
from advseg.data.datasets import Sample
from advseg.data.io import prepare_output_dir
from advseg.data.paths import repository_root, resolve_data
from advseg.data.splits import Splits, make_splits
from advseg.evaluation.paper_score import PAPER_MARGIN
from advseg.evaluation.postprocess import postprocess
from advseg.evaluation.scoring import Evaluation, evaluate_labels
from advseg.training.presets import get_preset
from advseg.training.trainer import Callback, Trainer

__all__ = ["RUN_FILES", "RunResult", "evaluate_model", "git_commit", "provenance", "train_run"]

RUN_FILES = ("run.json", "history.jsonl", "checkpoint.pt", "model.pt", "metrics.json")


def git_commit() -> str | None:
    """The repository's HEAD commit (with ``-dirty`` when files changed), or None outside a checkout."""
    root = repository_root()
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if dirty else "")


def provenance(device: torch.device) -> dict[str, Any]:
    """Who ran what, where: command, commit, versions, device."""
    return {
        "command": " ".join(shlex.quote(arg) for arg in sys.argv),
        "commit": git_commit(),
        "advseg": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
        "cpu_threads": torch.get_num_threads(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


@dataclass(frozen=True, eq=False)
class RunResult:
    """A finished run."""

    trainer: Trainer  # holds the networks, with the selected estimator loaded
    run_dir: Path
    metrics: dict[str, Any]  # what metrics.json holds
    splits: Splits  # the frames it trained, selected and was evaluated on
    evaluation: Evaluation | None = None  # every protocol on the evaluation images, when asked for


def train_run(
    data: str | os.PathLike,
    *,
    n_train: int,
    out: str | os.PathLike,
    loss: str = "adversarial",
    preset: str = "cpu",
    iterations: int | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    device: str = "auto",
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    callbacks: Sequence[Callback] = (),
    evaluate_images: int | None = 0,
    validation_images: int | None = None,
    options: Mapping[str, Any] | None = None,
    postprocess: str = "paper",
) -> RunResult:
    """Train on ``n_train`` annotated images of ``data`` and write a run folder.

    Parameters
    ----------
    data : str or path-like
        ``"synthetic-h1299"`` (paper protocol) or a data set folder.
    n_train : int
        Annotated images to train on.
    out : path-like
        The run folder; must be empty unless ``resume`` or ``overwrite``.
    loss : {"adversarial", "ce", "hybrid"}
    preset : {"cpu", "paper"}
    iterations, batch_size : int, optional
        Override the preset's.
    seed : int
    device : {"auto", "cpu", "cuda"}
    resume : bool
        Continue from ``out/checkpoint.pt``.
    overwrite : bool
        Delete a previous run's files in ``out`` first.
    progress : bool
    callbacks : sequence of callables
        Passed to :class:`~advseg.training.trainer.Trainer`.
    evaluate_images : int or None, optional
        After training, score the selected model on this many evaluation
        images (all of them for None; none for 0, the default) with every
        protocol; the result goes into ``metrics.json`` under ``evaluation``.

    Returns
    -------
    RunResult
    """
    run_dir = Path(out)
    if resume and not (run_dir / "checkpoint.pt").is_file():
        raise FileNotFoundError(f"{run_dir}: nothing to resume (no checkpoint.pt)")
    if overwrite and not resume:
        for name in RUN_FILES:
            (run_dir / name).unlink(missing_ok=True)
    if not resume:
        prepare_output_dir(run_dir, overwrite=overwrite)
    if validation_images is not None and validation_images < 1:
        raise ValueError(f"`validation_images` must be a positive number or None, got {validation_images!r}")
    chosen = get_preset(preset, options=options, loss=loss, iterations=iterations, batch_size=batch_size, seed=seed, device=device)
    splits = make_splits(resolve_data(data), n_train=n_train, seed=seed)
    validation = splits.validation[:validation_images]
    trainer = Trainer(
        splits.train, validation,
        model_config=chosen.model, data_config=chosen.data, train_config=chosen.train,
        run_dir=run_dir, callbacks=callbacks,
        metadata={"data": splits.data, "n_train": n_train, "preset": preset, "loss": loss, "seed": seed},
    )
    info = provenance(trainer.device) | {
        "data": splits.data, "split_rule": splits.rule, "n_train": n_train, "train_names": [s.name for s in splits.train],
        "loss": loss, "preset": preset, "seed": seed, "options": dict(options or {}),
        "validation_names": [s.name for s in validation],
        "configs": {"model": asdict(chosen.model), "data": asdict(chosen.data), "train": asdict(chosen.train)},
    }
    if resume:
        trainer.resume()
        info["resumed_at_step"] = trainer.step_e
    (run_dir / "run.json").write_text(json.dumps(info, indent=1))
    result = trainer.fit(progress=progress)
    trainer.load_best()
    metrics = {
        "selected_step": result.best_step,
        "validation": result.best_validation,
        "steps_estimator": result.steps_estimator,
        "steps_discriminator": result.steps_discriminator,
        "train_seconds": round(trainer.elapsed, 2),
        "n_validation": len(validation),
        "device": info["device"],
        "commit": info["commit"],
    }
    evaluation = None
    if evaluate_images != 0:
        samples = splits.evaluation if evaluate_images is None else splits.evaluation[:evaluate_images]
        start = time.perf_counter()
        evaluation = evaluate_model(trainer, samples, method=postprocess, progress=progress)
        metrics |= {"evaluation": evaluation.to_dict(), "n_evaluation": len(samples), "postprocess": postprocess,
                    "evaluate_seconds": round(time.perf_counter() - start, 2)}
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=1))
    return RunResult(trainer=trainer, run_dir=run_dir, metrics=metrics, splits=splits, evaluation=evaluation)


def evaluate_model(trainer: Trainer, samples: Sequence[Sample], *, method: str = "paper", progress: bool = False) -> Evaluation:
    """Segment ``samples`` with the trainer's current estimator and score them with every protocol."""
    if progress:
        from tqdm.auto import tqdm

        samples = tqdm(samples, desc="evaluating", unit="image")
    truth, predictions = [], []
    for sample in samples:
        predictions.append(postprocess(trainer.predict([sample.image])[0], method=method))
        truth.append(sample.labels)
    return evaluate_labels(truth, predictions, margin=PAPER_MARGIN)
