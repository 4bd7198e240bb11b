"""How a model holds up when the nuclei are smaller, larger or dimmer than in training, with and without rescaling.

Segments the DSB2018 test split and variants of it made by rescaling (x 0.5, x 2)
and dimming (x 0.2 gain, quantised to 8 bits), each three ways: at the image's own
scale, rescaled by the automatic diameter estimate, and rescaled by the true median
diameter (the best an estimate could do). Prints F1@0.5, SEG, precision and recall.
A model file without a recorded training diameter gets the median diameter of the
training split's annotations; nuclei smaller than the model's recorded smallest nucleus
(else 50 px) are dropped, as `advseg segment` does.

Run: .venv/bin/python benchmarks/scale_variants.py [--model results/models/dsb2018-unet-ce-ws-crop96.pt]
     [--images 81] [--postprocess watershed] [--scalings none auto true] [--variants original x0.5 x2 "dim 8-bit"]
     [--split-from results/sweep/cpu/dsb2018/recommended-flat-fit/n2-s0.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path


from advseg.data.datasets import load_dataset
from advseg.data.diameter import median_diameter
from advseg.data.paths import find_dsb2018
from advseg.data.variants import VARIANTS, variant
from advseg.evaluation.scoring import evaluate_labels
from advseg.evaluation.segment import model_diameter_of, recorded_min_size, segment_image
from advseg.training.modelfile import load_model

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="results/models/dsb2018-unet-ce-ws-crop96.pt")
    parser.add_argument("--images", type=int, default=81, help="test images used (the first N by name)")
    parser.add_argument("--postprocess", default="watershed")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--split-from", type=Path, metavar="RESULT.json",
                        help="with --postprocess watershed-fit: the cut a sweep cell's result file records (a rescored "
                        "cell's model file holds none); default the model file's")
    parser.add_argument("--scalings", nargs="+", default=["none", "auto", "true"], choices=["none", "auto", "true"],
                        help="not rescaled, rescaled by the automatic estimate, by the true median diameter")
    args = parser.parse_args()
    root = find_dsb2018()
    model = load_model(args.model)
    model_diameter = model_diameter_of(model)
    if model_diameter is None:
        model_diameter = median_diameter([s.labels for s in load_dataset(root, split="train").samples])
        model = dataclasses.replace(model, metadata=model.metadata | {"diameter": model_diameter})
        print(f"{args.model}: no recorded diameter; the training split's median, {model_diameter:.1f} px")
    test = load_dataset(root, split="test").samples[: args.images]

    min_size = recorded_min_size(model.metadata)  # as advseg segment keeps
    split = json.loads(args.split_from.read_text())["split"] if args.split_from else model.metadata.get("split")
    if args.postprocess == "watershed-fit":
        print(f"the cut: {split or 'none recorded (watershed-split)'}")
    print(f"{args.model}: training diameter {model_diameter:.1f} px, nuclei of {min_size} px and more kept")

    print(f"{'variant':<12}{'scaling':<10}{'F1@0.5':>8}{'SEG':>7}{'prec.':>7}{'recall':>8}{'s/image':>9}")
    for name in args.variants:
        pairs = [variant(s.image, s.labels, name) for s in test]
        for how in args.scalings:
            start, predictions = time.perf_counter(), []
            for image, labels in pairs:
                diameter = {"none": None, "auto": "auto", "true": median_diameter([labels]) if labels.any() else None}[how]
                predictions.append(segment_image(model, image, method=args.postprocess, diameter=diameter,
                                                 split=split).labels)
            seconds = (time.perf_counter() - start) / len(pairs)
            e = evaluate_labels([labels for _, labels in pairs], predictions)
            m = e.at(0.5)
            print(f"{name:<12}{how:<10}{m.f1:>8.3f}{e.seg.seg:>7.3f}{m.precision:>7.3f}{m.recall:>8.3f}{seconds:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
