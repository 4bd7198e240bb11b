"""A cell scored from another cell's trained model: methods that differ only in post-processing.

Two methods with the same loss and configuration fields train the same model;
they differ in how its probabilities become nuclei (``postprocess``,
``min_size``). Training again would mix run-to-run noise into the comparison
(training is not bit-reproducible on every CPU), so :func:`rescore_cell`
scores the *same* model file with the cell's own post-processing and writes a
result file that names the run it came from.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from typing import Any

from advseg.data.paths import repository_root
from advseg.experiment.grid import Cell
from advseg.experiment.previews import write_preview
from advseg.experiment.sweep import write_result
from advseg.training.methods import METHODS

__all__ = ["rescore_cell", "same_training"]

# result fields that describe the training, copied from the source cell's result file
_TRAINING_FIELDS = ("commit", "device", "cpu_threads", "train_names", "train_seconds", "crops_seen", "selected_step",
                    "validation", "n_validation", "predict_seconds")


def same_training(first: str, second: str) -> bool:
    """Whether two methods train the same model (same loss and configuration fields)."""
    a, b = METHODS[first], METHODS[second]
    return a.is_estimator and b.is_estimator and a.loss == b.loss and dict(a.options) == dict(b.options)


def _source_result(source: Cell, results: os.PathLike) -> dict[str, Any]:
    path = repository_root() / source.result_path(results)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise FileNotFoundError(f"{path}: the source cell's result file is missing or unreadable ({error})") from error


def rescore_cell(cell: Cell, *, source_method: str, results: str | os.PathLike, runs: str | os.PathLike,
                 preview: bool = False) -> dict[str, Any]:
    """Score the model of ``source_method``'s cell (same data, N_train, seed, preset) with ``cell.method``'s post-processing.

    The result file is written last, as :func:`~advseg.experiment.sweep.run_cell`
    writes it; its training fields (commit, training frames and time, selected
    step, validation scores) are the source cell's, and ``rescored_from`` names it.

    Raises
    ------
    ValueError
        If the two methods do not train the same model.
    FileNotFoundError
        If the source cell has no result file or its run folder no ``model.pt``.
    """
    from advseg.data.paths import resolve_data
    from advseg.data.splits import make_splits
    from advseg.evaluation.postprocess import smallest_nucleus
    from advseg.evaluation.split_fit import fit_model_split
    from advseg.training.modelfile import load_model
    from advseg.training.runs import evaluate_model

    if source_method == cell.method:
        raise ValueError(f"`source_method` must be another method than the cell's own, got {source_method!r}")
    if not same_training(source_method, cell.method):
        raise ValueError(f"`source_method` must train the same model as {cell.method!r} (same loss and configuration "
                         f"fields), got {source_method!r}")
    root = repository_root()
    source = Cell(seed=cell.seed, data=cell.data, n_train=cell.n_train, method=source_method, preset=cell.preset)
    trained = _source_result(source, results)
    model_path = root / source.run_dir(runs) / "model.pt"
    if not model_path.is_file():
        raise FileNotFoundError(f"{model_path}: the source cell's run folder holds no model (run that cell first)")
    started, start = time.strftime("%Y-%m-%dT%H:%M:%S%z"), time.perf_counter()
    model = load_model(model_path)
    method = METHODS[cell.method]
    min_size = smallest_nucleus(method.min_size, model.metadata.get("diameter"))
    splits = make_splits(resolve_data(cell.data), n_train=cell.n_train, seed=cell.seed)
    if [s.name for s in splits.train] != list(trained.get("train_names") or []):
        raise ValueError(f"{model_path}: trained on {trained.get('train_names')}, but the cell's split trains on "
                         f"{[s.name for s in splits.train]}")
    if method.postprocess == "watershed-fit":  # the cut fitted on the source's validation frames, as train_run fits it
        model.metadata["split"] = fit_model_split(model, splits.validation[: trained.get("n_validation")], min_size=min_size)
    evaluation = evaluate_model(model, splits.evaluation, method=method.postprocess, min_size=min_size,
                                diameter=model.data_config.train_diameter or None)
    seconds = time.perf_counter() - start
    command = " ".join(shlex.quote(a) for a in ("advseg", "sweep-cell", cell.data, cell.method, "--n-train", str(cell.n_train),
                                                "--seed", str(cell.seed), "--preset", cell.preset, "--rescore-of", source_method))
    result = {
        "cell": {"data": cell.data, "method": cell.method, "n_train": cell.n_train, "seed": cell.seed, "preset": cell.preset},
        "method": method.description,
        "command": command,
        "rescored_from": str(source.result_path(results)),
        "regenerate": f"{trained.get('regenerate', '')} && {command}",
        "started": started,
        "wall_seconds": round(float(trained.get("wall_seconds") or 0.0) + seconds, 1),  # training + this scoring
        "rescore_seconds": round(seconds, 1),
    } | {key: trained[key] for key in _TRAINING_FIELDS if key in trained} | {
        "n_evaluation": len(splits.evaluation), "postprocess": method.postprocess, "min_size": min_size,
        "evaluation": {k: v for k, v in evaluation.to_dict().items() if k != "missing"},
    } | ({"split": model.metadata["split"]} if "split" in model.metadata else {})
    if preview:
        write_preview(cell, runs=root / runs, results=root / results, run_dir=root / source.run_dir(runs),
                      split=model.metadata.get("split"))
    write_result(cell, result, results=results)
    return result
