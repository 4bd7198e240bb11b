"""Where in the movie a cell's model fails: F1@0.5 and object errors frame by frame.

For each cell given as DATA/METHOD/N/SEED (its run folder must exist under --runs:
run the cell first), the evaluation frames are segmented again as the cell's
evaluation did (advseg.experiment.previews.cell_labels) and scored one by one:
F1@0.5 under the paper's margin, and the object errors of
advseg.evaluation.error_classes (matched, missed, false, merged, split). One CSV row
per (cell, frame); the frame's index in the movie is read from its name.

Run: .venv/bin/python benchmarks/frame_errors.py synthetic-h1299-v2/recommended/1/1 \
         synthetic-h1299-v2/cellpose-scratch/1/1 --out results/diagnosis/frames-n1-s1.csv \
         [--runs runs/sweep] [--results results/sweep] [--append]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from advseg.data.paths import resolve_data
from advseg.data.splits import make_splits
from advseg.evaluation.error_classes import classify_errors
from advseg.evaluation.paper_score import PAPER_MARGIN
from advseg.evaluation.scoring import evaluate_labels
from advseg.experiment.frames import OUTCOMES, frame_index
from advseg.experiment.grid import Cell
from advseg.experiment.previews import cell_labels

def run_folder(cell: Cell, *, runs: Path, results: Path) -> tuple[Path, dict | None]:
    """The cell's run folder, or, for a cell scored from another cell's model (``rescored_from``), that cell's;
    and the cut its result file records (``watershed-fit``), if any."""
    path = cell.result_path(results)
    result = json.loads(path.read_text()) if path.is_file() else {}
    if result.get("rescored_from"):
        method = Path(result["rescored_from"]).parent.name
        cell = Cell(seed=cell.seed, data=cell.data, n_train=cell.n_train, method=method, preset=cell.preset)
    return cell.run_dir(runs), result.get("split")


def frame_rows(cell: Cell, run_dir: Path, *, split: dict | None = None) -> list[dict]:
    """One row per evaluation frame of ``cell`` (``split``: the cut its evaluation used, for ``watershed-fit``)."""
    samples = make_splits(resolve_data(cell.data), n_train=cell.n_train, seed=cell.seed).evaluation
    rows = []
    print(f"{cell.data} {cell.method} {cell.name}: segmenting {len(samples)} frames from {run_dir}", flush=True)
    for sample, labels in zip(samples, cell_labels(cell, run_dir, samples, split=split)):
        truth, labels = np.asarray(sample.labels, np.int32), np.asarray(labels, np.int32)
        scored = evaluate_labels([truth], [labels], margin=PAPER_MARGIN).at(0.5)
        errors = classify_errors(truth, labels)
        rows.append({"data": cell.data, "method": cell.method, "n_train": cell.n_train, "seed": cell.seed,
                     "frame": sample.name, "index": frame_index(sample.name), "f1": round(scored.f1, 4),
                     "tp": scored.tp, "n_gt": scored.n_true, "n_pred": scored.n_pred,
                     **{o: len(getattr(errors, o)) for o in OUTCOMES}})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cells", nargs="+", help="DATA/METHOD/N_TRAIN/SEED, e.g. synthetic-h1299-v2/recommended/1/0")
    parser.add_argument("--runs", type=Path, default=Path("runs/sweep"), help="run folders (default runs/sweep)")
    parser.add_argument("--results", type=Path, default=Path("results/sweep"),
                        help="result files (default results/sweep): a rescored cell uses its source cell's run folder")
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write")
    parser.add_argument("--append", action="store_true", help="keep the rows of other cells already in --out")
    args = parser.parse_args()
    rows = []
    for text in args.cells:
        data, method, n_train, seed = text.split("/")
        cell = Cell(seed=int(seed), data=data, n_train=int(n_train), method=method, preset=args.preset)
        run_dir, split = run_folder(cell, runs=args.runs, results=args.results)
        rows += frame_rows(cell, run_dir, split=split)
    frame = pd.DataFrame(rows)
    if args.append and args.out.is_file():
        kept = pd.read_csv(args.out)
        key = ["data", "method", "n_train", "seed"]
        again = kept[key].apply(tuple, axis=1).isin(set(frame[key].apply(tuple, axis=1)))
        frame = pd.concat([kept[~again], frame], ignore_index=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    summary = frame.groupby(["method", "seed"]).agg(**{k: (k, "sum") for k in ("tp", "n_gt", "n_pred", *OUTCOMES)})
    summary.insert(0, "f1", 2 * summary.tp / (summary.n_gt + summary.n_pred))  # pooled over frames, as the cell's
    print(summary.round(3).to_string())
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
