"""Baselines and a cross-entropy-trained estimator, scored the same way on the same images.

For the synthetic H1299-like set (its 57 evaluation frames; the estimator selects its
model on the 4 validation frames, never on these) and the DSB2018 test split, train
each method on the same N_train annotated images and print paper-protocol F, F1 at
IoU 0.5 and CTC SEG, with wall times (training, prediction). Methods that output
three-class probabilities are scored with both post-processings: ``paper`` (interiors
only, what the paper's protocol expects) and ``watershed`` (nuclei grown back over
their contours, what F1 and SEG against whole nuclei expect).

Run: .venv/bin/python benchmarks/compare_baselines.py [--n-train 4] [--iterations 600]
"""

from __future__ import annotations

import argparse
import time

from advseg.baselines import ClassicalWatershed, IlastikStyleClassifier
from advseg.data.paths import resolve_data
from advseg.data.splits import make_splits
from advseg.evaluation.paper_score import PAPER_MARGIN
from advseg.evaluation.postprocess import postprocess
from advseg.evaluation.scoring import evaluate_labels
from advseg.training.presets import get_preset
from advseg.training.trainer import Trainer


def row(name: str, data: str, samples, predictions, train_seconds: float, predict_seconds: float) -> str:
    e = evaluate_labels([s.labels for s in samples], predictions, margin=PAPER_MARGIN)
    return (f"{name:<40}{data:<18}{len(samples):>4}{e.paper.f:>9.3f}{e.at(0.5).f1:>9.3f}{e.seg.seg:>7.3f}"
            f"{train_seconds:>9.1f}{predict_seconds:>9.1f}")


def timed(fn, items):
    start = time.perf_counter()
    out = [fn(item) for item in items]
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=4)
    parser.add_argument("--iterations", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"N_train = {args.n_train}, seed {args.seed}, cpu preset for the estimator ({args.iterations} steps)")
    print(f"{'method':<40}{'data':<18}{'n':>4}{'paper F':>9}{'F1@0.5':>9}{'SEG':>7}{'train s':>9}{'pred. s':>9}")
    for data, label in [("synthetic-h1299", "synthetic (eval)"), ("dsb2018", "DSB2018 (test)")]:
        splits = make_splits(resolve_data(data), n_train=args.n_train, seed=args.seed)
        samples, images = splits.evaluation, [s.image for s in splits.evaluation]
        start = time.perf_counter()
        classical = ClassicalWatershed().fit(splits.train)
        fit_seconds = time.perf_counter() - start
        labels, seconds = timed(classical.predict_labels, images)
        name = f"Otsu + watershed (sigma {classical.sigma:g}, d {classical.min_distance})"
        print(row(name, label, samples, labels, fit_seconds, seconds), flush=True)
        start = time.perf_counter()
        rf = IlastikStyleClassifier(seed=args.seed).fit(splits.train)
        fit_seconds = time.perf_counter() - start
        rf_probs, rf_seconds = timed(rf.predict_probs, images)
        preset = get_preset("cpu", loss="ce", iterations=args.iterations, seed=args.seed, device="cpu")
        trainer = Trainer(splits.train, splits.validation, model_config=preset.model, data_config=preset.data, train_config=preset.train)
        start = time.perf_counter()
        trainer.fit(progress=False)
        trainer.load_best()
        ce_fit_seconds = time.perf_counter() - start
        ce_probs, ce_seconds = timed(lambda im: trainer.predict([im])[0], images)
        for method in ("paper", "watershed"):
            for name, probs, fit_s, pred_s in [("Ilastik-style RF", rf_probs, fit_seconds, rf_seconds), ("CE estimator", ce_probs, ce_fit_seconds, ce_seconds)]:
                labels = [postprocess(p, method=method) for p in probs]
                print(row(f"{name}, {method} post-proc.", label, samples, labels, fit_s, pred_s), flush=True)


if __name__ == "__main__":
    main()
