"""Copy a trained model file for committing, its weights stored in float16 (half the size; it still computes in float32).

With ``--fit-cut DATA``, the copy's cut of touching nuclei (``watershed-fit``, which
``advseg segment`` uses by default where a model records one) is fitted again on the whole
validation split of DATA, as the training run fitted it on its first validation images
(for a model trained on many images, a few validation images choose the cut poorly).
The test split is never read.

Run: .venv/bin/python scripts/ship_model.py runs/sweep/cpu/dsb2018/recommended-flat-generalist/n365-s0/model.pt
     results/models/dsb2018-recommended-flat-generalist.pt --fit-cut dsb2018
"""

from __future__ import annotations

import argparse
from pathlib import Path

from advseg.data.paths import resolve_data
from advseg.data.splits import make_splits
from advseg.evaluation.segment import recorded_min_size
from advseg.evaluation.split_fit import fit_model_split
from advseg.training.modelfile import add_metadata, load_model, to_float16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="an advseg model file (e.g. a run folder's model.pt)")
    parser.add_argument("out", help="where to write the copy")
    parser.add_argument("--fit-cut", metavar="DATA", help="a data set name or folder whose validation split fits the cut")
    args = parser.parse_args()
    try:  # the data read before anything is written
        validation = make_splits(resolve_data(args.fit_cut), n_train=1, seed=0).validation if args.fit_cut else []
        out = to_float16(args.model, args.out)
        print(f"{out}: {out.stat().st_size / 1e6:.1f} MB (from {Path(args.model).stat().st_size / 1e6:.1f} MB)")
        if args.fit_cut:
            model = load_model(out)
            split = fit_model_split(model, validation, min_size=recorded_min_size(model.metadata))
            add_metadata(out, {"split": split, "split_fitted_on": f"{args.fit_cut}: {len(validation)} validation images"})
            print(f"{out}: cut fitted on {len(validation)} validation images: {split}")
    except (FileNotFoundError, ValueError) as error:
        parser.exit(2, f"ship_model.py: error: {error}\n")


if __name__ == "__main__":
    main()
