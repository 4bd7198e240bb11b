"""Baselines and a cross-entropy-trained estimator, scored the same way on the same images.

For the synthetic H1299-like set (its 57 evaluation frames; the estimator selects its
model on the 4 validation frames, never on these) and the DSB2018 test split,
train each method on the same N_train annotated images and print paper-protocol F,
F1 at IoU 0.5 and CTC SEG, with wall times (training + prediction).

Run: .venv/bin/python benchmarks/compare_baselines.py [--n-train 4] [--iterations 600]
"""

from __future__ import annotations

import argparse
import time

from advseg.baselines import ClassicalWatershed, IlastikStyleClassifier
from advseg.evaluation import evaluate_labels
from advseg.metrics import PAPER_MARGIN
from advseg.paths import resolve_data
from advseg.postprocess import postprocess
from advseg.presets import get_preset
from advseg.splits import make_splits
from advseg.trainer import Trainer


def score(name: str, data: str, samples, train_seconds: float, predict) -> str:
    start = time.perf_counter()
    predictions = [predict(s.image) for s in samples]
    seconds = time.perf_counter() - start
    e = evaluate_labels([s.labels for s in samples], predictions, margin=PAPER_MARGIN)
    return (f"{name:<26}{data:<20}{len(samples):>4}{e.paper.f:>9.3f}{e.at(0.5).f1:>9.3f}{e.seg.seg:>7.3f}"
            f"{train_seconds:>9.1f}{seconds:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=4)
    parser.add_argument("--iterations", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{'method':<26}{'data':<20}{'n':>4}{'paper F':>9}{'F1@0.5':>9}{'SEG':>7}{'train s':>9}{'pred. s':>9}")
    for data, label in [("synthetic-h1299", "synthetic (eval)"), ("dsb2018", "DSB2018 (test)")]:
        splits = make_splits(resolve_data(data), n_train=args.n_train, seed=args.seed)
        samples = splits.evaluation
        start = time.perf_counter()
        rf = IlastikStyleClassifier(seed=args.seed).fit(splits.train)
        print(score("Ilastik-style RF", label, samples, time.perf_counter() - start, rf.predict_labels), flush=True)
        start = time.perf_counter()
        classical = ClassicalWatershed().fit(splits.train)
        print(score(f"Otsu + watershed (s={classical.sigma:g},d={classical.min_distance})", label, samples, time.perf_counter() - start, classical.predict_labels), flush=True)
        preset = get_preset("cpu", loss="ce", iterations=args.iterations, seed=args.seed, device="cpu")
        trainer = Trainer(splits.train, splits.validation, model_config=preset.model, data_config=preset.data, train_config=preset.train)
        start = time.perf_counter()
        trainer.fit(progress=False)
        trainer.load_best()
        seconds = time.perf_counter() - start
        print(score(f"CE estimator ({args.iterations} it.)", label, samples, seconds, lambda im: postprocess(trainer.predict([im])[0])), flush=True)


if __name__ == "__main__":
    main()
