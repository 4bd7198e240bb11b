"""Which post-processing turns a model's probabilities into the best nuclei, on validation images only.

Runs a model file over the validation split of a data set exactly as `advseg segment`
does (each image rescaled to the model's nucleus size from the automatic diameter
estimate, nuclei under the model's recorded smallest size dropped, labels returned at
the image's size), once per image, and scores every post-processing on the same
probabilities: F1@0.5, SEG, precision, recall, and the object errors (missed, false,
merged and split nuclei; advseg.evaluation.error_classes). The test split is never
read, so the choice it supports is made on validation images.

With ``--cuts``, ``watershed-split`` is also scored with every cut ``watershed-fit`` chooses
from (advseg.evaluation.split_fit.SPLIT_GRID: the depth of a top as a fraction of the diameter,
and the contour probability from which an interior pixel counts as edge).

Run: .venv/bin/python benchmarks/compare_postprocess.py [--model results/models/dsb2018-unet-ce-ws-crop96.pt]
     [--data dsb2018] [--images N] [--diameter auto|none] [--cuts]
"""

from __future__ import annotations

import argparse
import functools
import time


from advseg.data.paths import resolve_data
from advseg.data.splits import make_splits
from advseg.evaluation.error_classes import classify_errors
from advseg.evaluation.postprocess import POSTPROCESSORS, postprocess
from advseg.evaluation.scale import segment_at_scale
from advseg.evaluation.scoring import evaluate_labels
from advseg.evaluation.segment import model_diameter_of, recorded_min_size, segment_image
from advseg.evaluation.split_fit import SPLIT_GRID
from advseg.training.modelfile import load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="results/models/dsb2018-unet-ce-ws-crop96.pt")
    parser.add_argument("--data", default="dsb2018", help="a data set name or folder; its validation split is used")
    parser.add_argument("--images", type=int, help="validation images used (the first N; default all)")
    parser.add_argument("--diameter", default="auto", choices=["auto", "none"])
    parser.add_argument("--cuts", action="store_true", help="also every cut of watershed-fit's grid")
    args = parser.parse_args()
    model = load_model(args.model)
    validation = make_splits(resolve_data(args.data), n_train=1, seed=0).validation[: args.images]
    min_size, model_diameter = recorded_min_size(model.metadata), model_diameter_of(model)
    methods = sorted(set(POSTPROCESSORS) - {"watershed-fit"})  # without a fitted cut it is watershed-split
    cuts = {f"d{depth:g} b{barrier if barrier else '-'}": functools.partial(postprocess, method="watershed-fit",
                                                                          split={"depth": depth, "barrier": barrier})
            for depth, barrier in (SPLIT_GRID if args.cuts else ())}
    labels = {method: [] for method in [*methods, *cuts]}
    start = time.perf_counter()
    for sample in validation:
        first = segment_image(model, sample.image, method=methods[0], diameter=None if args.diameter == "none" else "auto")
        labels[methods[0]].append(first.labels)  # its probabilities at the chosen scale serve every other post-processing
        others = {method: functools.partial(postprocess, method=method) for method in methods[1:]} | cuts
        for name, cut in others.items():
            labels[name].append(segment_at_scale(lambda x: cut(first.probs, min_size=min_size, diameter=model_diameter),
                                                 sample.image, first.scale.scale))
    print(f"{args.model} on {len(validation)} validation images of {args.data} (diameter {args.diameter}, nuclei of "
          f"{min_size} px and more, {time.perf_counter() - start:.0f} s)")
    print(f"{'post-processing':<17}{'F1@0.5':>8}{'SEG':>7}{'prec.':>7}{'recall':>8}{'missed':>8}{'false':>7}{'merged':>8}{'split':>7}")
    truth = [s.labels for s in validation]
    for method in labels:
        e = evaluate_labels(truth, labels[method])
        m = e.at(0.5)
        errors = [classify_errors(t, p) for t, p in zip(truth, labels[method])]
        counts = [sum(len(getattr(x, kind)) for x in errors) for kind in ("missed", "false", "merged", "split")]
        print(f"{method:<17}{m.f1:>8.3f}{e.seg.seg:>7.3f}{m.precision:>7.3f}{m.recall:>8.3f}" + "".join(
            f"{c:>{w}d}" for c, w in zip(counts, (8, 7, 8, 7))))


if __name__ == "__main__":
    main()
