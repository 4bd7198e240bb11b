"""How fast the crop sampler draws training batches (crops per second).

Run: .venv/bin/python benchmarks/bench_sampler.py
"""

from __future__ import annotations

import time

from advseg.data.config import DataConfig
from advseg.data.embedded import synthetic_h1299


def crops_per_second(config: DataConfig, *, n_train: int, batch_size: int = 100, seconds: float = 3.0) -> float:
    from advseg.data.sampler import CropSampler

    sampler = CropSampler(synthetic_h1299().train(n_train), config=config, seed=0)
    sampler.sample(batch_size)  # warm-up
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        sampler.sample(batch_size)
        n += batch_size
    return n / (time.perf_counter() - start)


def main() -> None:
    print(f"{'configuration':<44} {'crops/s':>10} {'batches/s (B=100)':>18}")
    for name, config in [
        ("64x64, 8 dihedral transforms (default)", DataConfig()),
        ("64x64, dihedral + arbitrary rotation", DataConfig(rotate=True)),
        ("64x64, dihedral, percentile normalisation", DataConfig(normalize="percentile")),
        ("128x128, dihedral", DataConfig(crop_size=128)),
    ]:
        rate = crops_per_second(config, n_train=4)
        print(f"{name:<44} {rate:>10.0f} {rate / 100:>18.1f}")


if __name__ == "__main__":
    main()
