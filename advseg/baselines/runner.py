"""Train a baseline on N annotated images, segment the evaluation images, score them."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from advseg.data.atomic import remove_stale_temporaries, write_text_atomic
from advseg.data.io import prepare_output_dir, write_tiff
from advseg.data.paths import resolve_data
from advseg.data.splits import make_splits
from advseg.evaluation.paper_score import PAPER_MARGIN
from advseg.evaluation.scoring import evaluate_labels
from advseg.training.runs import provenance
from advseg.utils import progress_bar

__all__ = ["run_baseline"]


def run_baseline(
    name: str,
    data: str | os.PathLike,
    *,
    n_train: int,
    out: str | os.PathLike,
    seed: int = 0,
    method: str = "paper",
    overwrite: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Fit baseline ``name`` on the N_train images, segment the evaluation images, write labels and metrics.

    Writes ``out/labels/<image>_labels.tif`` and ``out/metrics.json`` (every
    protocol on the evaluation images, timings and provenance).

    Returns
    -------
    dict
        What ``metrics.json`` holds.
    """
    import torch

    from advseg.baselines import BASELINES

    if name not in BASELINES:
        raise ValueError(f"`name` must be one of {sorted(BASELINES)}, got {name!r}")
    if hasattr(BASELINES[name], "require"):
        BASELINES[name].require()  # an optional dependency: say so before writing anything
    out = prepare_output_dir(out, overwrite=overwrite)
    (out / "labels").mkdir(exist_ok=True)
    remove_stale_temporaries(out / "labels")  # half-written labels of a killed run
    splits = make_splits(resolve_data(data), n_train=n_train, seed=seed)
    model = BASELINES[name](seed=seed) if name in ("ilastik-style", "cellpose-scratch") else BASELINES[name]()
    start = time.perf_counter()
    model.fit(splits.train)
    train_seconds = time.perf_counter() - start
    samples = splits.evaluation
    samples = progress_bar(samples, desc=f"{name}: segmenting", unit="image", disable=not progress)
    start = time.perf_counter()
    predictions = []
    for sample in samples:
        labels = model.predict_labels(sample.image, method=method)
        write_tiff(out / "labels" / f"{sample.name}_labels.tif", labels)
        predictions.append(labels)
    predict_seconds = time.perf_counter() - start
    evaluation = evaluate_labels([s.labels for s in splits.evaluation], predictions, margin=PAPER_MARGIN)
    metrics = provenance(torch.device("cpu")) | {
        "method": name, "postprocess": method if name == "ilastik-style" else "own", "data": splits.data,
        "split_rule": splits.rule, "n_train": n_train, "seed": seed, "train_names": [s.name for s in splits.train],
        "n_evaluation": len(splits.evaluation), "train_seconds": round(train_seconds, 2),
        "predict_seconds": round(predict_seconds, 2), "evaluation": evaluation.to_dict(),
    }
    write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=1))
    return metrics
