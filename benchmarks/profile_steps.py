"""Where a training step spends its time: torch.profiler tables of the three steps.

For each of the estimator step (cross-entropy), the discriminator step and the
adversarial estimator step, prints the operators that take the most CPU time
(self time, so a convolution's backward is not also counted in its caller),
grouped into convolution, batch norm, activation, optimizer and other, and the
share of each group; then every convolution layer's forward rate at its training
shape against a wide 3x3 convolution's (the convolution library's practical
peak), which shows how far the thin layers (1 to 8 input channels) can go.
Run with the threads the training would use.

Run: .venv/bin/python benchmarks/profile_steps.py [--batch-size 16] [--threads 2] [--rows 12]
"""

from __future__ import annotations

import argparse

import torch
from torch.profiler import ProfilerActivity, profile

from advseg.data.embedded import synthetic_h1299
from advseg.training.config import TrainConfig
from advseg.training.trainer import Trainer

GROUPS = {  # operator-name fragments, first match wins
    "convolution": ("conv", "mkldnn_convolution"),
    "batch norm": ("batch_norm", "native_batch_norm"),
    "activation": ("leaky_relu", "softmax", "log_softmax", "sigmoid"),
    "matmul (D's head)": ("addmm", "mm", "linear"),
    "optimizer": ("_foreach", "addcdiv", "sqrt", "lerp"),
    "copies and layout": ("copy_", "contiguous", "to_dense", "clone", "cat", "narrow", "slice", "reorder"),
}


def group_of(name: str) -> str:
    lowered = name.lower()
    for group, fragments in GROUPS.items():
        if any(fragment in lowered for fragment in fragments):
            return group
    return "other"


def profile_step(step, *, repeats: int, rows: int, title: str) -> None:
    step()  # warm-up
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(repeats):
            step()
    events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
    total = sum(e.self_cpu_time_total for e in events)
    shares: dict[str, float] = {}
    for event in events:
        shares[group_of(event.key)] = shares.get(group_of(event.key), 0.0) + event.self_cpu_time_total
    print(f"\n== {title}: {total / repeats / 1e3:.1f} ms of operator self time per step")
    print("   " + ", ".join(f"{g} {100 * t / total:.0f} %" for g, t in sorted(shares.items(), key=lambda kv: -kv[1])))
    for event in sorted(events, key=lambda e: -e.self_cpu_time_total)[:rows]:
        print(f"   {event.key[:48]:<48} {100 * event.self_cpu_time_total / total:5.1f} %  {event.count // repeats:>4} calls/step")


def layer_rates(module: torch.nn.Module, *inputs: torch.Tensor, peak: float, title: str) -> None:
    """Each Conv2d's forward GFLOP/s at the shape it meets in ``module(*inputs)``, against ``peak``."""
    import time

    shapes: list[tuple[str, torch.nn.Conv2d, torch.Size]] = []
    handles = [m.register_forward_hook(lambda m, args, out, name=name: shapes.append((name, m, args[0].shape)))
               for name, m in module.named_modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        module(*inputs)
    for handle in handles:
        handle.remove()
    print(f"\n== {title}: forward of each convolution at its training shape (peak {peak:.1f} GFLOP/s)")
    for name, conv, shape in shapes:
        x = torch.randn(shape).contiguous(memory_format=torch.channels_last)
        with torch.no_grad():
            out = conv(x)
            start, n = time.perf_counter(), 0
            while time.perf_counter() - start < 0.5:
                conv(x)
                n += 1
        seconds = (time.perf_counter() - start) / n
        k = conv.kernel_size[0] * conv.kernel_size[1] * conv.in_channels
        gflops = 2.0 * k * out.numel() / seconds / 1e9
        print(f"   {name:<24} {conv.in_channels:>3} -> {conv.out_channels:<3} {conv.kernel_size[0]}x{conv.kernel_size[1]}"
              f"  {gflops:7.1f} GFLOP/s  {gflops / peak:5.2f} of peak")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=16, help="crops per estimator step (default 16, the cpu preset's)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=12, help="operators listed per step")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    frames, validation = synthetic_h1299().train(4), synthetic_h1299().validation[:1]
    config = {"batch_size": args.batch_size, "device": "cpu", "iterations": 10**6}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, B = {args.batch_size}")
    ce = Trainer(frames, validation, train_config=TrainConfig(loss="ce", **config))
    adversarial = Trainer(frames, validation, train_config=TrainConfig(**config))
    profile_step(ce.estimator_step, repeats=args.repeats, rows=args.rows, title="estimator step (cross-entropy)")
    profile_step(adversarial.discriminator_step, repeats=args.repeats, rows=args.rows, title="discriminator step")
    profile_step(adversarial.estimator_step, repeats=args.repeats, rows=args.rows, title="estimator step (adversarial)")
    from bench_training import conv_peak  # same folder

    peak = conv_peak(torch.device("cpu"))
    B, crop, side = args.batch_size, ce.data_config.crop_size, ce.output_size
    layer_rates(ce.estimator, torch.zeros(B, 1, crop, crop), peak=peak, title="estimator")
    layer_rates(adversarial.discriminator, torch.zeros(2 * B, 1, side, side), torch.zeros(2 * B, 3, side, side), peak=peak,
                title="discriminator (2B pairs)")


if __name__ == "__main__":
    main()
