"""Seconds per megapixel of `advseg segment` with a model file, against its FLOP floor.

Writes test images of DSB2018 as 16-bit TIFFs (the first --images by name, or the synthetic
movie's frames with --data synthetic-h1299-v2) and times `segment_files` over them: reading,
the per-image diameter estimate and rescaling (unless --diameter none), tiled inference,
post-processing and arithmetic (segment's defaults: the model's fitted cut, bfloat16 on a CPU that computes in
it) and writing the labels; the second of two passes. The FLOP floor
is the network's forward FLOPs per megapixel at the practical peak (the faster of a dense
matmul and a wide 3x3 convolution, as in bench_training.py), so `floor / measured` is the
fraction of the peak the whole command reaches.

Run: .venv/bin/python benchmarks/segment_speed.py [--model results/models/dsb2018-unet-ce-ws-crop96.pt]
     [--data dsb2018] [--images 16] [--diameter auto|none] [--threads 2] [--postprocess NAME] [--precision auto|float32|bfloat16]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tifffile
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import conv_flops, conv_peak, matmul_peak  # noqa: E402

from advseg.data.paths import resolve_data  # noqa: E402
from advseg.data.splits import make_splits  # noqa: E402
from advseg.evaluation.inference import PRECISIONS, resolve_precision  # noqa: E402
from advseg.evaluation.scale import choose_scale  # noqa: E402
from advseg.evaluation.segment import model_diameter_of, segment_files  # noqa: E402
from advseg.training.modelfile import load_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="results/models/dsb2018-unet-ce-ws-crop96.pt")
    parser.add_argument("--data", default="dsb2018")
    parser.add_argument("--images", type=int, default=16, help="evaluation images timed (the first N)")
    parser.add_argument("--diameter", default="auto", choices=["auto", "none"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--postprocess", help="as segment's --postprocess (default: segment's for the model: watershed-fit "
                        "where it records a cut, else watershed-split)")
    parser.add_argument("--precision", default="auto", choices=["auto", *PRECISIONS], help="as segment's --precision")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # the diameter estimate's Fourier transforms follow it
    device = torch.device("cpu")
    model = load_model(args.model, device=device)
    postprocess = args.postprocess or ("watershed-fit" if model.metadata.get("split") else "watershed-split")
    precision = resolve_precision(args.precision, device)
    frames = make_splits(resolve_data(args.data), n_train=1, seed=0).evaluation[: args.images]
    megapixels = sum(frame.image.size for frame in frames) / 1e6
    peak = max(matmul_peak(device), conv_peak(device))
    if precision == "bfloat16":  # the floor at the peak of the arithmetic the network runs in
        peak = max(matmul_peak(device, dtype=torch.bfloat16), conv_peak(device, dtype=torch.bfloat16))
    flops_per_mp = conv_flops(model.estimator.eval(), torch.zeros(1, 1, 1000, 1000))  # one megapixel
    floor = flops_per_mp / (peak * 1e9)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "in").mkdir()
        for i, frame in enumerate(frames):
            image = np.clip(np.rint(frame.image), 0, 65535).astype(np.uint16)
            tifffile.imwrite(root / "in" / f"f{i:03d}.tif", image)
        seconds = 0.0
        for overwrite in (False, True):  # the first pass warms up
            start = time.perf_counter()
            segment_files(model, [root / "in"], root / "out", method=postprocess, overwrite=overwrite, progress=False,
                          device="cpu", diameter=None if args.diameter == "none" else "auto", precision=precision)
            seconds = time.perf_counter() - start
    print(f"{args.model}: {len(frames)} {args.data} images, {megapixels:.2f} MP, {args.threads} threads, "
          f"diameter {args.diameter}, post-processing {postprocess}, network in {precision}")
    print(f"practical peak {peak:.0f} GFLOP/s; the network's forward {flops_per_mp / 1e9:.1f} GFLOP per MP, "
          f"floor {floor:.2f} s/MP")
    print(f"advseg segment: {seconds / megapixels:.2f} s per megapixel ({floor / (seconds / megapixels):.2f} of the peak)")
    if args.diameter == "auto":  # where the time goes: the estimate itself, and the pixels the network sees after rescaling
        start = time.perf_counter()
        scales = [choose_scale(f.image, model_diameter=model_diameter_of(model), diameter="auto").scale for f in frames]
        estimate = time.perf_counter() - start
        seen = sum(f.image.size * s * s for f, s in zip(frames, scales)) / 1e6
        print(f"the diameter estimate: {estimate / megapixels:.2f} s per megapixel; after rescaling (x{min(scales):.2f} to "
              f"x{max(scales):.2f}) the network sees {seen / megapixels:.2f}x the pixels: floor {floor * seen / megapixels:.2f} s "
              f"per input megapixel, {floor * seen / seconds:.2f} of the peak")


if __name__ == "__main__":
    main()
