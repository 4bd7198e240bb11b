"""How well ``watershed-fit``'s cut, chosen on a few annotated frames, does on others: the choice rule, on validation frames only.

``watershed-fit`` scores every cut of :data:`advseg.evaluation.split_fit.SPLIT_GRID` on a
run's few validation frames (16 on DSB2018, 4 on the synthetic movie) and keeps the best.
With twelve cuts and few frames the best is partly luck. This script segments annotated
frames with one model, once, counts each frame's matches at IoU 0.5 under every cut, and
then draws many random ways of splitting the frames into K frames that choose the cut and
the rest that score it. For each choice rule it prints the held-out F1@0.5 gained over the
default cut (mean over the draws, 5th percentile, and the share of draws that lose more
than one point):

- ``argmax``: the best cut on the K frames (what ``watershed-fit`` does);
- ``no barrier``: the best cut among those without a contour barrier;
- ``barrier if +D``: the best cut without a barrier, unless a cut with one is more than D
  of F1 better on the K frames.

Frames come from a data set's validation split (``--data dsb2018``) or from every frame of
an annotated folder (``--folder``, e.g. another movie: ``advseg data synth --seed 7 --out
MOVIE``); a test split is never read.

Run: .venv/bin/python benchmarks/fit_rule.py --model MODEL [--data dsb2018 | --folder MOVIE]
     [--fit-frames 16] [--every 1] [--diameter auto|none] [--draws 300] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from advseg.data.datasets import load_dataset
from advseg.data.paths import resolve_data
from advseg.data.splits import make_splits
from advseg.evaluation.inference import resolve_precision
from advseg.evaluation.metrics import matching_dataset
from advseg.evaluation.postprocess import postprocess
from advseg.evaluation.scale import segment_at_scale
from advseg.evaluation.segment import model_diameter_of, recorded_min_size, segment_image
from advseg.evaluation.split_fit import SPLIT_GRID
from advseg.training.modelfile import load_model
from advseg.utils import progress_bar

Rule = Callable[[np.ndarray], int]


def cut_counts(model, samples: Sequence, *, diameter: str | None) -> np.ndarray:
    """(frames, cuts, 3) matches at IoU 0.5 (tp, fp, fn) of each frame under each cut of SPLIT_GRID."""
    min_size, nuclei = recorded_min_size(model.metadata), model_diameter_of(model)
    counts = np.zeros((len(samples), len(SPLIT_GRID), 3), dtype=int)
    for i, sample in enumerate(progress_bar(samples, desc="segmenting", unit="frame")):
        first = segment_image(model, sample.image, method="watershed", diameter=diameter, min_size=min_size,
                              device="cpu", precision=resolve_precision("auto", "cpu"))  # as segment runs it
        for j, (depth, barrier) in enumerate(SPLIT_GRID):
            labels = segment_at_scale(
                lambda _: postprocess(first.probs, method="watershed-fit", min_size=min_size, diameter=nuclei,
                                      split={"depth": depth, "barrier": barrier}), sample.image, first.scale.scale)
            m = matching_dataset([sample.labels], [labels], thresh=0.5)
            counts[i, j] = (m.tp, m.fp, m.fn)
    return counts


def pooled_f1(counts: np.ndarray) -> np.ndarray:
    """F1@0.5 of each cut over the frames of ``counts`` (frames, cuts, 3)."""
    tp, fp, fn = counts.sum(axis=0).T
    return 2 * tp / np.maximum(2 * tp + fp + fn, 1)


def rules() -> dict[str, Rule]:
    """The choice rules compared: each maps the choosing frames' counts to a cut's index in SPLIT_GRID."""
    plain = [j for j, (_, barrier) in enumerate(SPLIT_GRID) if barrier is None]

    def barrier_if(margin: float) -> Rule:
        def choose(counts: np.ndarray) -> int:
            f1 = pooled_f1(counts)
            best, best_plain = int(np.argmax(f1)), plain[int(np.argmax(f1[plain]))]
            return best if f1[best] - f1[best_plain] > margin else best_plain
        return choose

    return {"argmax": lambda counts: int(np.argmax(pooled_f1(counts))),
            "no barrier": lambda counts: plain[int(np.argmax(pooled_f1(counts)[plain]))],
            "barrier if +0.01": barrier_if(0.01), "barrier if +0.02": barrier_if(0.02)}


def simulate(counts: np.ndarray, *, fit_frames: int, draws: int, seed: int = 0) -> dict[str, dict[str, float]]:
    """Each rule's held-out F1 gain over the default cut (SPLIT_GRID[0]) over random choose/score splits of the frames."""
    if not 0 < fit_frames < len(counts):
        raise ValueError(f"`fit_frames` must be between 1 and {len(counts) - 1} (the frames less one), got {fit_frames}")
    rng, choosers = np.random.default_rng(seed), rules()
    gains = {name: [] for name in choosers}
    for _ in range(draws):
        order = rng.permutation(len(counts))
        held = pooled_f1(counts[order[fit_frames:]])
        for name, rule in choosers.items():
            gains[name].append(held[rule(counts[order[:fit_frames]])] - held[0])
    return {name: {"mean": float(np.mean(g)), "p5": float(np.percentile(g, 5)), "loses_1pt": float(np.mean(np.array(g) < -0.01))}
            for name, g in gains.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", default="dsb2018", help="a data set name or folder: its validation split (default dsb2018)")
    source.add_argument("--folder", type=Path, help="an annotated folder: every frame (e.g. another synthetic movie)")
    parser.add_argument("--every", type=int, default=1, help="keep every Nth frame (default 1)")
    parser.add_argument("--fit-frames", type=int, default=16, help="frames that choose the cut (default 16, as the sweep on DSB2018)")
    parser.add_argument("--diameter", default="auto", choices=["auto", "none"],
                        help="rescale each frame from its estimated nucleus size (auto, as segment) or not (none, as the sweep)")
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--json", type=Path, help="also write the counts' summary and the rules' gains here")
    args = parser.parse_args()
    if args.every < 1:
        parser.error(f"--every must be at least 1, got {args.every}")
    model = load_model(args.model)
    samples = list(load_dataset(args.folder)) if args.folder else list(
        make_splits(resolve_data(args.data), n_train=1, seed=0).validation)
    samples = samples[:: args.every]
    start = time.perf_counter()
    counts = cut_counts(model, samples, diameter=None if args.diameter == "none" else "auto")
    seconds = time.perf_counter() - start
    every_frame = pooled_f1(counts)
    print(f"{args.model}: {len(samples)} frames of {args.folder or args.data} ({seconds:.0f} s); F1@0.5 of each cut on all of them:")
    print("  " + "  ".join(f"d{d:g}/b{b if b else '-'} {f:.3f}" for (d, b), f in zip(SPLIT_GRID, every_frame)))
    summary = simulate(counts, fit_frames=args.fit_frames, draws=args.draws)
    print(f"held-out F1@0.5 gain over the default cut, {args.draws} draws of {args.fit_frames} choosing frames "
          f"(points: mean, 5th percentile; share of draws losing > 1 point):")
    for name, s in summary.items():
        print(f"  {name:<18}{100 * s['mean']:+6.2f} {100 * s['p5']:+6.2f} {s['loses_1pt']:6.2f}")
    if args.json:
        args.json.write_text(json.dumps({
            "command": " ".join(sys.argv), "model": str(args.model), "frames": len(samples), "fit_frames": args.fit_frames,
            "cuts": [{"depth": d, "barrier": b, "f1": float(f)} for (d, b), f in zip(SPLIT_GRID, every_frame)],
            "rules": summary}, indent=1) + "\n")


if __name__ == "__main__":
    main()
