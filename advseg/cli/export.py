"""``advseg export``: an advseg model as a bioimage.io model package (deepImageJ in Fiji, napari)."""

from __future__ import annotations

import argparse
from pathlib import Path

from advseg.cli.options import output_path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="write a model as a bioimage.io package (deepImageJ, napari) and test it")
    parser.add_argument("model", type=Path, help="a model file written by advseg train (model.pt)")
    parser.add_argument("--out", type=output_path, required=True, help="package folder to create (rdf.yaml, TorchScript weights, test tensors)")
    parser.add_argument("--sample", type=Path, help="an image of the kind the model segments; its centre 256 x 256 tile becomes "
                        "the package's test input (default: a frame of the embedded synthetic set)")
    parser.add_argument("--name", default="advseg nucleus estimator",
                        help="the model's name in the package: 5 to 128 letters a-z, A-Z, digits, spaces and _+-()")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing package folder")
    parser.add_argument("--no-test", action="store_true", help="skip bioimageio.core's test of the written package")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from advseg.data.io import read_image
    from advseg.interop.bioimageio import export_bioimageio, sample_tile
    from advseg.training.modelfile import load_model

    model = load_model(args.model)
    if args.sample is not None:
        sample, _ = read_image(args.sample)
        try:
            sample_tile(sample)  # checked here to name the file
        except ValueError as error:
            raise ValueError(f"{args.sample} (--sample): {error}") from error
    else:
        from advseg.data.embedded import synthetic_h1299

        sample = synthetic_h1299().dataset[0].image
    exported = export_bioimageio(model, args.out, sample=sample, name=args.name, overwrite=args.overwrite,
                                 test=not args.no_test)
    if exported.passed is None:
        print(f"wrote {exported.rdf} (not tested)")
        return 0
    verdict = "passed" if exported.passed else "FAILED"
    print(f"wrote {exported.rdf}; bioimageio.core's test of the package {verdict}")
    if not exported.passed:
        print(exported.report)
    return 0 if exported.passed else 1
