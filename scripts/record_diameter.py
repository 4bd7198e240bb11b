"""Record the median nucleus diameter of a model's training annotations in a model file written before `advseg train` did.

`advseg segment` rescales each image so its nuclei match this diameter. Models that
`advseg train` writes record it already; this adds it to an older file, measured on the
annotations the model was trained on.

Run: .venv/bin/python scripts/record_diameter.py results/models/dsb2018-unet-ce-ws-crop96.pt dsb2018 --split train
"""

from __future__ import annotations

import argparse

from advseg.data.datasets import load_dataset
from advseg.data.diameter import median_diameter
from advseg.data.paths import resolve_data
from advseg.training.modelfile import add_metadata, load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="an advseg model file")
    parser.add_argument("data", help="the data set it was trained on (dsb2018 or a folder)")
    parser.add_argument("--split", default=None, help="the split of the folder's index.csv it was trained on")
    args = parser.parse_args()
    load_model(args.model)  # refuses anything that is not a usable advseg model
    samples = load_dataset(resolve_data(args.data), split=args.split).samples
    diameter = round(median_diameter([s.labels for s in samples]), 2)
    add_metadata(args.model, {"diameter": diameter})
    print(f"{args.model}: diameter {diameter} px (median of {len(samples)} training images' nuclei)")


if __name__ == "__main__":
    main()
