"""Training and inference throughput against the machine's practical peak.

Prints, from one run on one machine (ratios are what to compare):
- the practical peak: the faster of a dense matmul (BLAS) and a wide 3x3 convolution (oneDNN).
  They differ where the BLAS takes a narrower vector path than oneDNN (MKL on AMD CPUs runs
  AVX2 where oneDNN runs AVX-512), and a step cannot be judged against the slower one;
- estimator training step: crops/s, achieved GFLOP/s and its fraction of the peak;
- discriminator training step likewise;
- full-frame 512x640 inference time against its FLOP floor;
- `advseg segment` (inference, watershed post-processing, writing labels) in seconds per megapixel;
- peak memory of one adversarial cycle at B=100 (the paper's batch).

Run: .venv/bin/python benchmarks/bench_training.py [--device cpu|cuda] [--json] [--compile] [--bf16]
With --json, the last line is one JSON object (gemm_gflops, conv_gflops, peak_gflops, the three
steps' and inference's fractions of the peak at the largest batch size, the same against the
matmul alone as *_of_gemm, segment_seconds_per_megapixel, ...). --compile also times the steps
with TrainConfig(compile=True) (torch.compile; compiling is excluded from the timing); --bf16
times the steps, inference and segment in bfloat16 on the CPU (TrainConfig.bf16_cpu, segment
--precision bfloat16) against the same 3x3 convolution in bfloat16 (*_bf16 keys).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from advseg.data.embedded import synthetic_h1299
from advseg.nn.config import ModelConfig
from advseg.training.config import TrainConfig
from advseg.training.presets import get_preset
from advseg.training.trainer import Trainer


def conv_flops(model: nn.Module, *inputs: torch.Tensor) -> float:
    """Forward FLOPs (2 per multiply-add) of every Conv2d and Linear, from one forward pass."""
    total = 0.0

    def hook(module: nn.Module, args: tuple, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            total += 2.0 * k * output.numel()
        elif isinstance(module, nn.Linear):
            total += 2.0 * module.in_features * output.numel()

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(*inputs)
    for handle in handles:
        handle.remove()
    return total


def timed(fn, *, repeats: int, device: torch.device) -> float:
    fn()  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def matmul_peak(device: torch.device, n: int = 2048, dtype: torch.dtype = torch.float32) -> float:
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    seconds = timed(lambda: a @ b, repeats=20, device=device)
    return 2.0 * n**3 / seconds / 1e9


def conv_peak(device: torch.device, *, channels: int = 128, side: int = 64, batch: int = 8,
              dtype: torch.dtype = torch.float32) -> float:
    """GFLOP/s of a wide 3x3 convolution (channels-last): the convolution library's practical peak in ``dtype``."""
    x = torch.randn(batch, channels, side, side, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    w = torch.randn(channels, channels, 3, 3, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    seconds = timed(lambda: torch.nn.functional.conv2d(x, w, padding=1), repeats=20, device=device)
    return 2.0 * 9 * channels * x.numel() / seconds / 1e9


def segment_seconds_per_megapixel(estimator: nn.Module, frames: list, *, device: torch.device,
                                  precision: str = "float32") -> float:
    """Wall time of ``segment_files`` (read, infer, watershed, write) over ``frames``, per megapixel, second of two passes."""
    import tifffile

    from advseg.data.config import DataConfig
    from advseg.evaluation.segment import segment_files
    from advseg.nn.config import ModelConfig as _ModelConfig
    from advseg.training.modelfile import load_model, save_model

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "in").mkdir()
        for i, frame in enumerate(frames):
            tifffile.imwrite(root / "in" / f"f{i}.tif", frame.image.astype("uint16"))
        save_model(root / "m.pt", estimator, model_config=_ModelConfig(), data_config=DataConfig())
        model = load_model(root / "m.pt", device=device)
        megapixels = sum(frame.image.size for frame in frames) / 1e6
        seconds = 0.0
        for overwrite in (False, True):  # the first pass warms up
            start = time.perf_counter()
            segment_files(model, [root / "in"], root / "out", method="watershed", overwrite=overwrite, progress=False,
                          device=str(device), diameter=None, precision=precision)
            seconds = time.perf_counter() - start
    return seconds / megapixels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-sizes", default="16,32,100")
    parser.add_argument("--json", action="store_true", help="end with one JSON object of the key figures")
    parser.add_argument("--compile", action="store_true", help="also time the steps compiled (TrainConfig.compile)")
    parser.add_argument("--bf16", action="store_true", help="also time steps, inference and segment in bfloat16 (CPU)")
    args = parser.parse_args()
    figures: dict[str, float | int | str] = {}
    frames = synthetic_h1299().train(4)
    validation = synthetic_h1299().validation[:1]
    probe = Trainer(frames, validation, train_config=TrainConfig(device=args.device))
    device = probe.device
    gemm, conv = matmul_peak(device), conv_peak(device)
    peak = max(gemm, conv)
    figures.update(device=str(device), torch_threads=torch.get_num_threads(), gemm_gflops=gemm, conv_gflops=conv,
                   peak_gflops=peak, peak_source="matmul" if gemm >= conv else "3x3 convolution")
    if device.type == "cuda":
        bf16 = matmul_peak(device, n=8192, dtype=torch.bfloat16)
        fp32 = matmul_peak(device, n=8192)
        print(f"{torch.cuda.get_device_name(device)}: matmul 8192^2 bf16 {bf16 / 1e3:.1f} TFLOP/s, fp32 {fp32 / 1e3:.1f} TFLOP/s")
        figures.update(gemm_bf16_tflops=bf16 / 1e3, gemm_fp32_tflops=fp32 / 1e3)
    print(f"device {device}, torch threads {torch.get_num_threads()}")
    print(f"dense matmul (2048^2, float32): {gemm:.1f} GFLOP/s{'  <- practical peak' if gemm >= conv else ''}")
    print(f"3x3 convolution (128 -> 128 channels, 8 x 64 x 64, float32): {conv:.1f} GFLOP/s"
          f"{'  <- practical peak' if conv > gemm else ''}")
    bf16_peak = conv_peak(device, dtype=torch.bfloat16) if args.bf16 and device.type == "cpu" else math.nan
    if args.bf16 and device.type == "cpu":
        print(f"3x3 convolution in bfloat16: {bf16_peak:.1f} GFLOP/s  <- the bf16 rows' peak")
        figures.update(conv_gflops_bf16=bf16_peak)
    print(f"{'step':<28}{'B':>5}{'s/step':>9}{'crops/s':>9}{'GFLOP/step':>12}{'GFLOP/s':>9}{'of peak':>9}")
    for B in (int(b) for b in args.batch_sizes.split(",")):
        trainer = Trainer(frames, validation, train_config=TrainConfig(batch_size=B, device=args.device, iterations=10**6))
        print(f"  B={B}: crops drawn on the {'device' if trainer.on_device else 'host'}; "
              f"autocast {'bf16' if trainer.config.amp and device.type == 'cuda' else 'off'}; channels-last")
        crop = trainer.data_config.crop_size
        x = torch.zeros(B, 1, crop, crop, device=device)
        e_flops = 3.0 * conv_flops(trainer.estimator, x)  # forward + the two backward products
        s = trainer.output_size
        d_forward = conv_flops(trainer.discriminator, torch.zeros(2 * B, 1, s, s, device=device), torch.zeros(2 * B, 3, s, s, device=device))
        d_flops = conv_flops(trainer.estimator, x) + 3.0 * d_forward  # E forward (no grad) + D forward/backward
        a_flops = e_flops + 3.0 * d_forward
        variants = [("", {})] + ([(" compiled", {"compile": True})] if args.compile else [])
        variants += [(" bf16", {"bf16_cpu": True})] if args.bf16 and device.type == "cpu" else []
        for suffix, options in variants:
            def trainer_for(loss: str) -> Trainer:
                config = TrainConfig(batch_size=B, device=args.device, loss=loss, iterations=10**6, **options)
                return Trainer(frames, validation, train_config=config)

            ce_trainer, adv_trainer = trainer_for("ce"), trainer_for("adversarial")
            key, reference = suffix.strip().replace(" ", "_"), bf16_peak if "bf16_cpu" in options else peak
            key = f"_{key}" if key else ""
            for name, step, flops, figure in (("estimator (CE)", ce_trainer.estimator_step, e_flops, "estimator"),
                                              ("discriminator", adv_trainer.discriminator_step, d_flops, "discriminator"),
                                              ("estimator (adv.)", adv_trainer.estimator_step, a_flops, "adversarial")):
                if options.get("compile"):
                    step()  # compiles (the warm-up in timed() then meets the compiled graph)
                seconds = timed(step, repeats=5, device=device)
                gflops = flops / seconds / 1e9
                print(f"{name + suffix:<28}{B:>5}{seconds:>9.3f}{B / seconds:>9.0f}{flops / 1e9:>12.2f}{gflops:>9.1f}"
                      f"{gflops / reference:>9.2f}")
                figures.update({f"{figure}_step_seconds{key}": seconds, f"{figure}_step_fraction{key}": gflops / reference})
                if reference is peak:
                    figures[f"{figure}_step_fraction{key}_of_gemm"] = gflops / gemm
            figures.update(batch_size=B)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
            for _ in range(3):
                trainer.discriminator_step()
                trainer.estimator_step()
            print(f"  peak GPU memory, one D and one E step at B={B}: {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")
    paper = get_preset("paper").train
    if figures.get("batch_size") == paper.batch_size:
        cell = paper.iterations * (figures["adversarial_step_seconds"]
                                   + paper.d_steps / paper.e_steps * figures["discriminator_step_seconds"])
        print(f"projected paper-budget adversarial cell ({paper.iterations} E steps + {paper.iterations * paper.d_steps // paper.e_steps} "
              f"D steps at B={paper.batch_size}, no validation): {cell / 3600:.1f} h")
        figures.update(paper_cell_hours=cell / 3600)
    image = frames[0].image
    padded = torch.zeros(1, 1, image.shape[0] + 20, image.shape[1] + 20, device=device)
    floor = conv_flops(probe.estimator, padded) / (peak * 1e9)
    plain = probe.estimator.eval()
    with torch.no_grad():
        unfused = timed(lambda: plain(padded.contiguous(memory_format=torch.channels_last)), repeats=3, device=device)
    seconds = timed(lambda: probe.predict([image]), repeats=3, device=device)
    print(f"full-frame inference {image.shape[0]}x{image.shape[1]}: {seconds:.3f} s; FLOP floor at peak {floor:.3f} s "
          f"({floor / seconds:.2f} of peak); the network's forward alone, batch norm not folded: {unfused:.3f} s "
          f"({floor / unfused:.2f} of peak)")
    figures.update(inference_seconds=seconds, inference_fraction=floor / seconds, inference_seconds_unfused=unfused,
                   inference_fraction_unfused=floor / unfused)
    per_mp = segment_seconds_per_megapixel(probe.estimator, frames[:2], device=device)
    print(f"advseg segment (read, infer, watershed, write; no rescaling): {per_mp:.2f} s per megapixel "
          f"(FLOP floor {floor / (image.size / 1e6):.2f} s/MP)")
    figures.update(segment_seconds_per_megapixel=per_mp, segment_floor_seconds_per_megapixel=floor / (image.size / 1e6))
    if args.bf16 and device.type == "cpu":
        from advseg.evaluation.inference import predict_probs

        floor16 = floor * peak / bf16_peak
        seconds = timed(lambda: predict_probs(probe.estimator, image, device=device, precision="bfloat16"), repeats=3, device=device)
        print(f"full-frame inference in bfloat16: {seconds:.3f} s; bf16 FLOP floor {floor16:.3f} s ({floor16 / seconds:.2f} of peak)")
        per_mp = segment_seconds_per_megapixel(probe.estimator, frames[:2], device=device, precision="bfloat16")
        print(f"advseg segment --precision bfloat16: {per_mp:.2f} s per megapixel")
        figures.update(inference_seconds_bf16=seconds, inference_fraction_bf16=floor16 / seconds,
                       segment_seconds_per_megapixel_bf16=per_mp)
    if device.type == "cpu":
        print(f"peak resident memory of this process (all of the above, up to B={args.batch_sizes.split(',')[-1]}): "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if args.json:
        print(json.dumps({key: round(value, 4) if isinstance(value, float) else value for key, value in figures.items()}))


if __name__ == "__main__":
    main()
