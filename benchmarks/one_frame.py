"""A user's one annotated frame: ``advseg train FOLDER`` with its default method, at other scales and contrasts.

For each data set (the synthetic movie version 2, DSB2018) and variant (as it is,
x 0.5, x 2, dimmed to a fifth of the 8-bit range; made by
:func:`advseg.data.variants.variant`), writes the variant as a folder a user would have
(``images/`` + ``masks/`` + ``index.csv``): the one training frame the sweep's
N_train = 1, seed-0 cells use, the validation frames and the evaluation frames.
Then runs exactly what a user runs, ``advseg train FOLDER --n-train 1 --evaluate
--out RUN`` (the default method, seed 0), and prints F1@0.5, SEG, precision,
recall, the wall time of each run and whether its training steps ran in bfloat16 (the
default's choice on a CPU that computes in it). With ``--json FILE`` the rows go to FILE as
each run ends (``results/one-frame/`` holds the committed ones, read by the
training chapter through :mod:`advseg.experiment.oneframe`).

Run: .venv/bin/python benchmarks/one_frame.py [--data dsb2018 synthetic-h1299-v2]
     [--variants original x0.5 x2 "dim 8-bit"] [--validation-images 16] [--json FILE]
     [--keep FOLDER] [--method NAME]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tifffile

from advseg.data.paths import resolve_data
from advseg.data.splits import make_splits
from advseg.data.variants import VARIANTS, variant
from advseg.training.methods import DEFAULT_METHOD


def write_variant(data: str, name: str, folder: Path) -> int:
    """Write ``data``'s one-frame split in variant ``name`` under ``folder``; return the frames written."""
    splits = make_splits(resolve_data(data), n_train=1, seed=0)
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    rows = []
    for split, samples in (("train", splits.train), ("val", splits.validation), ("test", splits.evaluation)):
        for sample in samples:
            image, labels = variant(np.asarray(sample.image, np.float32), np.asarray(sample.labels), name)
            dtype = np.uint8 if name == "dim 8-bit" else np.uint16
            tifffile.imwrite(folder / "images" / f"{sample.name}.tif", np.clip(np.rint(image), 0, np.iinfo(dtype).max).astype(dtype))
            tifffile.imwrite(folder / "masks" / f"{sample.name}.tif", labels.astype(np.uint32))
            rows.append((sample.name, split))
    with (folder / "index.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([("id", "split"), *rows])
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["dsb2018", "synthetic-h1299-v2"])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--validation-images", type=int, default=16, help="model selection on this many validation frames")
    parser.add_argument("--method", help="an advseg method instead of the default (advseg train --method)")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    parser.add_argument("--keep", type=Path, help="write the folders and runs here instead of a temporary folder")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        base = args.keep or Path(scratch)
        for data in args.data:
            for name in args.variants:
                tag = f"{data}-{name.replace(' ', '-')}"
                folder, run = base / tag / "data", base / tag / "run"
                frames = write_variant(data, name, folder)
                command = [sys.executable, "-m", "advseg", "train", str(folder), "--n-train", "1", "--evaluate",
                           "--validation-images", str(args.validation_images), "--out", str(run)]
                command += ["--method", args.method] if args.method else []
                start = time.perf_counter()
                subprocess.run(command, check=True)
                seconds = time.perf_counter() - start
                metrics = json.loads((run / "metrics.json").read_text())
                recorded = json.loads((run / "run.json").read_text())
                threads = recorded["cpu_threads"]
                steps = "bfloat16" if recorded["configs"]["train"].get("bf16_cpu") and metrics["device"] == "cpu" else "float32"
                ev = metrics["evaluation"]
                row = {"data": data, "variant": name, "method": args.method or DEFAULT_METHOD, "frames": frames,
                       "n_evaluation": metrics["n_evaluation"],
                       "f1": round(ev["f1"], 4), "seg": round(ev["seg"], 4), "precision": round(ev["precision"], 4),
                       "recall": round(ev["recall"], 4), "selected_step": metrics["selected_step"],
                       "train_seconds": metrics["train_seconds"], "wall_seconds": round(seconds, 1),
                       "advice": metrics.get("advice", []), "device": metrics["device"], "cpu_threads": threads, "steps": steps,
                       "commit": metrics["commit"],
                       "regenerate": f"OMP_NUM_THREADS={threads} python benchmarks/one_frame.py --data {data} --variants '{name}'"
                                     + (f" --method {args.method}" if args.method else "")}
                rows.append(row)
                print(json.dumps(row), flush=True)
                if args.json:  # after every run: a long benchmark keeps what it measured
                    args.json.write_text(json.dumps(rows, indent=1) + "\n")
    print("\n| data | variant | F1@0.5 | SEG | precision | recall | wall s |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['data']} | {r['variant']} | {r['f1']:.3f} | {r['seg']:.3f} | {r['precision']:.3f} | {r['recall']:.3f} | "
              f"{r['wall_seconds']:.0f} |")


if __name__ == "__main__":
    main()
