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
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from advseg._version import __version__
from advseg.data.atomic import remove_stale_temporaries, write_text_atomic
from advseg.data.datasets import Sample
from advseg.data.diameter import AnnotationWarning, annotation_advice, median_diameter
from advseg.data.io import prepare_output_dir
from advseg.data.paths import repository_root, resolve_data
from advseg.data.splits import Splits, make_splits
from advseg.evaluation.paper_score import PAPER_MARGIN
from advseg.evaluation.postprocess import PAPER_MIN_SIZE, POSTPROCESSORS, check_min_size, postprocess, smallest_nucleus
from advseg.evaluation.split_fit import fit_split
from advseg.evaluation.scale import choose_scale, segment_at_scale, to_diameter
from advseg.evaluation.scoring import Evaluation, evaluate_labels
from advseg.training.guards import TrainingDiverged
from advseg.training.identity import check_run_folder, check_same_run
from advseg.training.modelfile import LoadedModel
from advseg.training.presets import get_preset
from advseg.training.trainer import Callback, Trainer
from advseg.utils import progress_bar

__all__ = ["RUN_FILES", "RunResult", "evaluate_model", "git_commit", "provenance", "segment_samples", "train_run"]

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
    loss: str | None = None,
    preset: str = "cpu",
    iterations: int | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    device: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    callbacks: Sequence[Callback] = (),
    evaluate_images: int | None = 0,
    validation_images: int | None = None,
    options: Mapping[str, Any] | None = None,
    postprocess: str = "paper",
    min_size: int | None = PAPER_MIN_SIZE,
    binary_masks: bool = False,
) -> RunResult:
    """Train on ``n_train`` annotated images of ``data`` and write a run folder.

    Everything is checked before the first file is written: the folder (see
    :func:`~advseg.training.identity.check_run_folder`), the configuration,
    the data, and, with ``resume``, that the folder holds this same run (see
    :func:`~advseg.training.identity.check_same_run`) and a readable checkpoint.

    Parameters
    ----------
    data : str or path-like
        ``"synthetic-h1299"`` (paper protocol; ``"synthetic-h1299-v1"``, ``-v2`` name a generator version) or a data set folder.
    n_train : int
        Annotated images to train on.
    out : path-like
        The run folder; must be empty unless ``resume`` or ``overwrite``.
    loss : {"adversarial", "ce", "hybrid"}, optional
        The preset's (adversarial) when None.
    preset : {"cpu", "cpu-2x", "cpu-4x", "paper"}
    iterations, batch_size, seed, device : optional
        Override the preset's (seed 0, device "auto"). Each may instead be
        given in ``options``; given in both, the values must agree.
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
    validation_images : int, optional
        Select the model on the first this many validation images (all for None).
    options : mapping, optional
        Configuration fields by name (see :func:`~advseg.training.presets.get_preset`).
    postprocess : {"paper", "watershed", "watershed-split", "watershed-fit"}
        How ``evaluate_images`` makes nuclei; ``watershed-fit`` first fits the cut of touching
        nuclei on the validation frames (:func:`~advseg.evaluation.split_fit.fit_split`) and
        records it in ``model.pt`` (``split``) and ``metrics.json``.
    min_size : int or None, optional
        The smallest nucleus they keep, px (the original code's 50 by default); None: a tenth of the
        median training nucleus's area, at most 50 (:func:`~advseg.evaluation.postprocess.min_size_for`). Recorded in
        the model file, so ``advseg segment`` keeps the same.
    binary_masks : bool, optional
        Label the connected regions of a folder's masks (for 0/255 masks).

    Returns
    -------
    RunResult

    Raises
    ------
    ValueError, FileNotFoundError, FileExistsError
        One line each, before anything is written; a
        :class:`~advseg.training.guards.TrainingDiverged` (a ValueError) when a
        loss or weight becomes non-finite during training.
    """
    run_dir = Path(out)
    check_run_folder(run_dir, resume=resume, overwrite=overwrite)
    if validation_images is not None and validation_images < 1:
        raise ValueError(f"`validation_images` must be a positive number or None, got {validation_images!r}")
    if postprocess not in POSTPROCESSORS:
        raise ValueError(f"`postprocess` must be one of {sorted(POSTPROCESSORS)}, got {postprocess!r}")
    min_size = check_min_size(min_size, none_means="relative")
    chosen = get_preset(preset, options=options, loss=loss, iterations=iterations, batch_size=batch_size, seed=seed, device=device)
    loss, seed = chosen.train.loss, chosen.train.seed  # the effective values, whichever way they were given
    splits = make_splits(resolve_data(data), n_train=n_train, seed=seed, binary_masks=binary_masks)
    validation = splits.validation[:validation_images]
    train_labels = [s.labels for s in splits.train]
    if not any(np.any(y) for y in train_labels):
        raise ValueError(f"{splits.data}: the training frame(s) {[s.name for s in splits.train][:3]} hold no annotated nucleus; "
                         "masks must label each nucleus with its own id > 0")
    diameter = round(median_diameter(train_labels), 2)
    advice = annotation_advice(train_labels, crop_size=chosen.data.crop_size, diameter=diameter)
    for sentence in advice:
        warnings.warn(sentence, AnnotationWarning, stacklevel=2)
    train_names = [s.name for s in splits.train]
    identity = {
        "data": splits.data, "loss": loss, "preset": preset, "seed": seed, "n_train": n_train, "binary_masks": binary_masks,
        "split_rule": splits.rule, "train_names": train_names, "validation_names": [s.name for s in validation],
        "configs": {"model": asdict(chosen.model), "data": asdict(chosen.data), "train": asdict(chosen.train)},
    }
    if resume:
        check_same_run(run_dir, identity)
    train_samples, scales = list(splits.train), {}
    if chosen.data.train_diameter:  # train at one nucleus size; advseg segment rescales every image to it
        train_samples, scales["train"] = to_diameter(train_samples, chosen.data.train_diameter, annotated=True,
                                                     smallest_side=chosen.data.crop_size)
        validation, scales["validation"] = to_diameter(validation, chosen.data.train_diameter, annotated=False)
        diameter = chosen.data.train_diameter
    min_size = smallest_nucleus(min_size, diameter)
    trainer = Trainer(
        train_samples, validation,
        model_config=chosen.model, data_config=chosen.data, train_config=chosen.train,
        run_dir=run_dir, callbacks=callbacks,
        metadata={"data": splits.data, "n_train": n_train, "preset": preset, "loss": loss, "seed": seed, "train_names": train_names,
                  "diameter": diameter, "min_size": min_size},  # segment rescales to the diameter and keeps the min size
    )
    info = provenance(trainer.device) | identity | {"options": dict(options or {})}
    if resume:
        trainer.resume()  # checks the checkpoint; the first write is the history it rewrites
        info["resumed_at_step"] = trainer.step_e
    else:
        if overwrite:
            for name in RUN_FILES:
                (run_dir / name).unlink(missing_ok=True)
        prepare_output_dir(run_dir, overwrite=overwrite)
    remove_stale_temporaries(run_dir)  # what a killed run left (e.g. half a checkpoint)
    write_text_atomic(run_dir / "run.json", json.dumps(info, indent=1))
    try:
        result = trainer.fit(progress=progress)
    except TrainingDiverged as error:
        kept = "the selected model.pt from before" if trainer.best_state is not None else "no model"
        raise TrainingDiverged(f"{run_dir}: {error}; the folder keeps {kept} and no metrics.json") from error
    trainer.load_best()
    if postprocess == "watershed-fit" and validation:  # the cut fitted on the validation frames, kept in model.pt
        probs = trainer.predict([s.image for s in validation])
        trainer.record(split=fit_split(probs, [s.labels for s in validation], min_size=min_size, diameter=diameter))
    metrics = {
        "selected_step": result.best_step,
        "validation": result.best_validation,
        "steps_estimator": result.steps_estimator,
        "steps_discriminator": result.steps_discriminator,
        "train_seconds": round(trainer.elapsed, 2),
        "n_validation": len(validation),
        "frame_scales": scales,  # with train_diameter: the factor each training and validation frame was resized by
        "advice": advice,
        "device": info["device"],
        "commit": info["commit"],
    }
    evaluation = None
    if evaluate_images != 0 and splits.evaluation:  # a folder of a few frames may leave none to score on
        samples = splits.evaluation if evaluate_images is None else splits.evaluation[:evaluate_images]
        start = time.perf_counter()
        evaluation = evaluate_model(trainer, samples, method=postprocess, min_size=min_size, progress=progress,
                                    diameter=chosen.data.train_diameter or None)
        metrics |= {"evaluation": evaluation.to_dict(), "n_evaluation": len(samples), "evaluation_names": [s.name for s in samples],
                    "postprocess": postprocess, "min_size": min_size,
                    "evaluate_seconds": round(time.perf_counter() - start, 2)}
    if "split" in trainer.metadata:
        metrics["split"] = trainer.metadata["split"]
    write_text_atomic(run_dir / "metrics.json", json.dumps(metrics, indent=1))
    return RunResult(trainer=trainer, run_dir=run_dir, metrics=metrics, splits=splits, evaluation=evaluation)


def segment_samples(trainer: Trainer | LoadedModel, samples: Sequence[Sample], *, method: str = "paper",
                    min_size: int = PAPER_MIN_SIZE, progress: bool = False, diameter: float | None = None) -> list[np.ndarray]:
    """Instance labels of ``samples`` from the trainer's selected estimator, or a loaded model file's (nuclei of
    ``min_size`` px and more; ``watershed-fit`` with the cut its metadata records).

    With ``diameter`` (a model trained at one nucleus size) each image is first
    rescaled from its estimated nucleus size to ``diameter``, as ``advseg segment``
    does, and its labels are returned at the image's own size. Post-processing is
    told the nuclei's size: ``diameter``, else the median training diameter the
    trainer's metadata records.
    """
    nuclei = diameter or trainer.metadata.get("diameter")
    split = trainer.metadata.get("split")  # watershed-fit's cut, when the model records one

    def segment(image):
        return postprocess(trainer.predict([image])[0], method=method, min_size=min_size, diameter=nuclei, split=split)

    return [segment_at_scale(segment, sample.image, choose_scale(sample.image, model_diameter=diameter, diameter="auto").scale)
            for sample in progress_bar(samples, desc="evaluating", unit="image", disable=not progress)]  # scale 1 without


def evaluate_model(trainer: Trainer | LoadedModel, samples: Sequence[Sample], *, method: str = "paper",
                   min_size: int = PAPER_MIN_SIZE, progress: bool = False, diameter: float | None = None) -> Evaluation:
    """Segment ``samples`` as :func:`segment_samples` does, and score them against their labels."""
    predictions = segment_samples(trainer, samples, method=method, min_size=min_size, progress=progress, diameter=diameter)
    return evaluate_labels([sample.labels for sample in samples], predictions, margin=PAPER_MARGIN)
