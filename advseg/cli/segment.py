"""``advseg segment``: instance labels for your own images."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from advseg.cli.options import output_path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from advseg.evaluation.postprocess import POSTPROCESSORS

    parser = subparsers.add_parser("segment", help="segment images with a trained model (writes <stem>_labels.tif)")
    parser.add_argument("model", type=Path, help="a model file written by advseg train (model.pt)")
    parser.add_argument("inputs", nargs="+", type=Path, help="image files or folders (TIFF/PNG, 8/16-bit, single channel): flat, "
                        "images/ (+ masks/), Cell Tracking Challenge (01/tNNN.tif) or DSB2018 (<id>/images/<id>.png)")
    parser.add_argument("--out", type=output_path, required=True, help="output folder")
    parser.add_argument("--postprocess", choices=sorted(POSTPROCESSORS),
                        help="paper: interiors only (as the original code); watershed: nuclei grown back over their contour; "
                        "watershed-split: as watershed, interiors first cut where their shape holds several nuclei; "
                        "watershed-fit: the same with the cut the model file records, fitted on its validation frames "
                        "(default: watershed-fit for a model that records one, else watershed-split)")
    parser.add_argument("--save-probabilities", action="store_true", help="also write <stem>_probs.tif (3 x H x W, float32)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    parser.add_argument("--tile", type=int, default=1024, help="tile side for large images, px (default 1024)")
    parser.add_argument("--precision", choices=["auto", "float32", "bfloat16"], default="auto",
                        help="the network's arithmetic: bfloat16 is about 2x faster on CPUs with AVX512-BF16 or AMX "
                        "(recent Xeon and EPYC) and on GPUs, and much slower on other CPUs; auto (default): bfloat16 on "
                        "a CPU that computes in it, else float32")
    parser.add_argument("--diameter", default="auto", type=_diameter, metavar="PX|auto|none",
                        help="your nuclei's diameter in px, to rescale each image to the model's training size; 'auto' "
                        "(default) estimates it per image, 'none' does not rescale. Labels keep the image's size")
    parser.add_argument("--channel", type=int, metavar="N",
                        help="the channel holding the nuclei in multi-channel images, from 0 (RGB: 2 is blue; "
                        "a (C, Y, X) TIFF stack: its C-th plane)")
    parser.add_argument("--min-size", type=_min_size, metavar="PX",
                        help="the smallest nucleus kept, px at the model's scale (default: the model's, else 50)")
    parser.set_defaults(handler=run)


def _min_size(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number of pixels, got {text!r}")
    return int(text)


def _diameter(text: str) -> float | str | None:
    if text in ("auto", "none"):
        return None if text == "none" else text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of pixels, 'auto' or 'none', got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of pixels, got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    from advseg.evaluation.inference import resolve_precision
    from advseg.evaluation.segment import segment_files
    from advseg.training.modelfile import load_model
    from advseg.utils import cpu_bfloat16, get_device

    device = get_device(args.device)
    model = load_model(args.model, device=device)
    method = args.postprocess or ("watershed-fit" if model.metadata.get("split") else "watershed-split")
    if method == "watershed-fit" and model.metadata.get("split"):
        split = model.metadata["split"]
        print(f"post-processing: watershed-fit (the model's cut, fitted on its validation frames: depth "
              f"{split['depth']:g} diameter, contour barrier {split.get('barrier') or 'none'})")
    precision = resolve_precision(args.precision, device)
    if args.precision == "auto" and precision == "bfloat16":
        print(f"network in bfloat16: this CPU computes in it ({cpu_bfloat16()}); --precision float32 for full precision")
    written = segment_files(
        model, args.inputs, args.out, method=method, save_probabilities=args.save_probabilities,
        overwrite=args.overwrite, device=device, tile=args.tile, diameter=args.diameter,
        precision=precision, min_size=args.min_size, channel=args.channel,
    )
    for item in written[:20]:
        print(f"{item.source.name}: {item.n_nuclei} nucle{'us' if item.n_nuclei == 1 else 'i'}; {item.scale.describe()}")
    if len(written) > 20:
        print(f"… and {len(written) - 20} more")
    print(f"wrote {len(written)} label image(s) to {args.out}: {sum(item.n_nuclei for item in written)} nuclei")
    empty = [item.source.name for item in written if item.n_nuclei == 0]
    if empty:
        more = f" and {len(empty) - 3} more" if len(empty) > 3 else ""
        print(f"advseg segment: warning: no nucleus found in {', '.join(empty[:3])}{more}: check that the images show "
              "nuclei like the model's training frames, and their size (--diameter PX)", file=sys.stderr)
    return 0

