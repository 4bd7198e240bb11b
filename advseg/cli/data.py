"""``advseg data``: make the synthetic set, or check a data set on disk."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from advseg.cli.options import output_path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="make the synthetic H1299-like set, or check a data set")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    synth = actions.add_parser("synth", help="write the synthetic H1299-like time-lapse in the folder layout")
    synth.add_argument("--out", required=True, type=output_path, help="output folder (images/, masks/, protocol.json)")
    synth.add_argument("--seed", type=int, default=0, help="seed of the movie and of the protocol's draw (default 0)")
    synth.add_argument("--frames", type=int, default=72, help="number of frames (default 72, as the paper's data)")
    synth.add_argument("--version", type=int, choices=[1, 2], default=2,
                       help="generator version: 2 (default, as hard as the paper's data) or 1 (the first, easy one)")
    synth.add_argument("--overwrite", action="store_true", help="replace the files of a non-empty output folder")
    synth.set_defaults(handler=run_synth)

    check = actions.add_parser("check", help="validate a data set and print a summary")
    check.add_argument("path", type=Path, help="a data set folder (folder, Cell Tracking Challenge or DSB2018 layout)")
    check.add_argument("--split", help="check only this split of the folder's index.csv (e.g. train)")
    check.add_argument("--binary-masks", action="store_true",
                       help="masks are binary (0/255): label their connected regions as nuclei (refused otherwise)")
    check.set_defaults(handler=run_check)


def run_synth(args: argparse.Namespace) -> int:
    import time

    from advseg.data.embedded import write_synthetic
    from advseg.data.io import prepare_output_dir
    from advseg.data.protocol import paper_protocol
    from advseg.data.synthetic import SyntheticConfig, synthetic_timelapse
    from advseg.data.synthetic_v2 import SyntheticConfigV2, synthetic_timelapse_v2

    if args.frames < 16:
        raise ValueError(f"`--frames` must be at least 16 (15 annotated frames plus evaluation), got {args.frames}")
    if not 0 <= args.seed < 2**32:
        raise ValueError(f"`--seed` must be an integer from 0 to 2**32 - 1, got {args.seed}")
    prepare_output_dir(args.out, overwrite=args.overwrite)  # fail before the work, not after
    start = time.perf_counter()
    if args.version == 1:
        movie = synthetic_timelapse(SyntheticConfig(n_frames=args.frames), seed=args.seed)
    else:
        movie = synthetic_timelapse_v2(SyntheticConfigV2(n_frames=args.frames), seed=args.seed)
    protocol = paper_protocol(args.frames, seed=args.seed)
    out = write_synthetic(movie, args.out, protocol=protocol, overwrite=args.overwrite, progress=True)
    counts = [int(np.count_nonzero(np.unique(frame))) for frame in movie.labels]
    print(f"wrote {args.frames} frames (generator version {args.version}) of {movie.images.shape[1]}x{movie.images.shape[2]} to {out} "
          f"in {time.perf_counter() - start:.1f} s")
    print(f"nuclei per frame: {min(counts)}-{max(counts)} (mean {np.mean(counts):.1f}); divisions: {len(movie.divisions)}")
    print(f"protocol: train pool {list(protocol.train_pool)}, validation {list(protocol.validation)}, "
          f"{len(protocol.evaluation)} evaluation frames (see {out / 'protocol.json'})")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from advseg.data.datasets import LAYOUTS, load_dataset
    from advseg.data.splits import split_names
    from advseg.data.summary import summarize

    dataset = load_dataset(args.path, split=args.split, progress=True, binary_masks=args.binary_masks)
    summary = summarize(dataset)
    print(f"layout        {dataset.layout} ({LAYOUTS[dataset.layout].description})")
    for line in summary.lines():
        print(line + (f" (split {args.split!r})" if args.split and line.startswith("images") else ""))
    if Path(args.path).is_dir():
        by_split, rule = split_names(Path(args.path))
        parts = ', '.join(f'{name} {len(names)}' for name, names in by_split.items() if names)
        if rule.startswith("few"):
            parts = ("--n-train of them train, the others alternate between validation and scoring" if len(by_split["train"]) > 1
                     else "the one frame trains and chooses the model; nothing is left to score on")
        print(f"splits        {parts} ({rule})")
    print("ok")
    return 0
