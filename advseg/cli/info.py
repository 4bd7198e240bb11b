"""``advseg info``: versions, the compute device and where the data lives."""

from __future__ import annotations

import argparse
import platform

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("info", help="print versions, the device and data locations")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from advseg._version import __version__
    from advseg.data.paths import default_data_dir, find_dsb2018
    from advseg.utils import cpu_bfloat16, get_device

    dsb = find_dsb2018()
    print(f"advseg        {__version__}")
    print(f"python        {platform.python_version()}")
    print(f"torch         {torch.__version__} (threads: {torch.get_num_threads()})")
    print(f"numpy         {np.__version__}")
    print(f"device        {get_device('auto')}")
    bf16 = cpu_bfloat16()
    print("bfloat16      " + ("unknown on this system" if bf16 is None else
                             f"computed by the CPU ({bf16}): advseg train's default trains in it and segment's runs its network in it (~2x faster)"
                             if bf16
                             else "emulated by this CPU: keep float32"))
    print(f"embedded data {default_data_dir()}")
    print(f"DSB2018 fluo  {dsb if dsb is not None else 'not found (set ADVSEG_DSB2018)'}")
    return 0
