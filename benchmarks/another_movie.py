"""One annotated synthetic frame, scored on another movie: the time and F1 a user gets from the command line.

Runs exactly what a user runs, on this machine's cores:

1. ``advseg train synthetic-h1299 --n-train 1 --method METHOD --preset cpu --out RUN``
   (wall time measured, threads as given);
2. ``advseg data synth --seed 7 --out MOVIE`` (a movie the model never saw: another
   seed of the same generator);
3. ``advseg segment RUN/model.pt MOVIE/images --out LABELS`` (the model's own
   post-processing and smallest nucleus; ``--diameter none``: the two movies share
   the nucleus size);
4. ``advseg evaluate MOVIE LABELS --json``,

and prints one JSON line: the method, the training wall time, F1@0.5, SEG,
precision and recall on every frame of the other movie.

Run: .venv/bin/python benchmarks/another_movie.py [--method adversarial-stable] [--threads 2]
     [--movie-seed 7] [--seed 0] [--iterations N] [--keep FOLDER] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ADVSEG = [sys.executable, "-m", "advseg"]


def run(arguments: list[str], *, threads: int) -> str:
    """Run an advseg command with ``threads`` CPU threads; its standard output."""
    environment = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    done = subprocess.run([*ADVSEG, *arguments], env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"advseg {' '.join(arguments)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="adversarial-stable")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--movie-seed", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0, help="training seed")
    parser.add_argument("--iterations", type=int, help="estimator steps (default: the method's; fewer for a smoke run)")
    parser.add_argument("--keep", type=Path, help="keep the run, the movie and the labels in this (new) folder")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        run_folder, movie, labels = folder / "run", folder / "movie", folder / "labels"
        started = time.perf_counter()
        steps = ["--iterations", str(args.iterations)] if args.iterations else []
        run(["train", "synthetic-h1299", "--n-train", "1", "--method", args.method, "--preset", "cpu",
             "--seed", str(args.seed), *steps, "--out", str(run_folder)], threads=args.threads)
        train_seconds = time.perf_counter() - started
        run(["data", "synth", "--seed", str(args.movie_seed), "--out", str(movie)], threads=args.threads)
        started = time.perf_counter()
        run(["segment", str(run_folder / "model.pt"), str(movie / "images"), "--out", str(labels), "--diameter", "none"],
            threads=args.threads)
        segment_seconds = time.perf_counter() - started
        scores = json.loads(run(["evaluate", str(movie), str(labels), "--json"], threads=args.threads))
    result = {"method": args.method, "seed": args.seed, "iterations": args.iterations or "the method's", "movie_seed": args.movie_seed, "threads": args.threads,
              "train_seconds": round(train_seconds, 1), "segment_seconds": round(segment_seconds, 1),
              "n_images": scores["n_images"], "f1": scores["f1"], "seg": scores["seg"], "precision": scores["precision"],
              "recall": scores["recall"], "paper_f": scores["paper"]["f"]}
    print(json.dumps(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
