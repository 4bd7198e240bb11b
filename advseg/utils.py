"""Reproducibility and device helpers used by every entry point."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["BF16_FLAGS", "PROGRESS_INTERVAL", "cpu_bfloat16", "get_device", "progress_bar", "seed_worker", "set_seed"]

#: Seconds between progress-bar refreshes. In a notebook every refresh is a widget
#: message; a long cell refreshed ten times a second sends thousands of them, more than
#: a Jupyter client queues while the cell runs (ZeroMQ drops the rest, nbval then waits
#: for an idle message that never comes).
PROGRESS_INTERVAL = 1.0


def set_seed(seed: int, *, deterministic: bool = True) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) in one call.

    Parameters
    ----------
    seed : int
        Non-negative seed.
    deterministic : bool, optional
        Also ask cuDNN and PyTorch for deterministic kernels.

    Returns
    -------
    torch.Generator
        A CPU generator seeded with ``seed``, for samplers and data loaders.

    Raises
    ------
    ValueError
        If ``seed`` is negative or not an integer.

    Examples
    --------
    >>> a = torch.rand(3, generator=set_seed(0))
    >>> b = torch.rand(3, generator=set_seed(0))
    >>> bool(torch.equal(a, b))
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    os.environ["PYTHONHASHSEED"] = str(seed)
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def seed_worker(worker_id: int) -> None:
    """Seed NumPy and ``random`` in a DataLoader worker from torch's per-worker seed."""
    worker_seed = torch.initial_seed() % 2**32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


#: CPU flags (as Linux's /proc/cpuinfo names them) of instructions that compute in bfloat16.
BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_bfloat16(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> str | None:
    """The flag by which this CPU computes in bfloat16, ``""`` if it has none, ``None`` if unknown.

    Where a CPU has one (AVX512-BF16: AMD Zen 4 and later, Intel Cooper Lake and later;
    AMX: Intel Sapphire Rapids and later), bfloat16 training steps and inference run about
    twice as fast as float32; elsewhere PyTorch emulates them, much slower.

    Parameters
    ----------
    cpuinfo : path, optional
        Linux's CPU description; on a system without it the answer is ``None``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cpuinfo"
    >>> _ = path.write_text("flags\t\t: fpu sse avx512f avx512_bf16\\n")
    >>> cpu_bfloat16(path)
    'avx512_bf16'
    """
    try:
        text = open(cpuinfo, encoding="utf-8", errors="replace").read()
    except OSError:
        return None
    flags = {flag for line in text.splitlines() if line.startswith("flags") for flag in line.partition(":")[2].split()}
    if not flags:
        return None
    return next((flag for flag in BF16_FLAGS if flag in flags), "")


def get_device(device: str = "auto") -> torch.device:
    """Resolve ``"auto"``, ``"cpu"`` or ``"cuda"`` to a :class:`torch.device`.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"} or str
        ``"auto"`` picks CUDA when present, else the CPU. Any string
        :class:`torch.device` accepts (``"cuda:1"``) is passed through.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If CUDA is asked for and not present, or the string is not a device.

    Examples
    --------
    >>> get_device("cpu")
    device(type='cpu')
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"`device` must be 'auto', 'cpu' or 'cuda', got {device!r}") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"`device` is {device!r} but CUDA is not available on this machine")
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(f"`device` must be 'auto', 'cpu' or 'cuda', got {device!r} (this build of advseg runs on those)")
    return resolved


def progress_bar(iterable=None, *, desc: str, unit: str, total: int | None = None, initial: int = 0, disable: bool = False):
    """A tqdm bar (a widget in notebooks, text in a terminal) refreshed at most once a second.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over; None for a bar advanced with ``update``.
    desc, unit : str
        The bar's label and the unit of one step.
    total : int, optional
        Number of steps, when ``iterable`` has no length.
    initial : int, optional
        Steps already done (a resumed run).
    disable : bool, optional
        No bar at all; iterating still works.

    Returns
    -------
    tqdm.auto.tqdm
        Use it as a context manager so the bar closes on errors too.

    Examples
    --------
    >>> with progress_bar(range(3), desc="demo", unit="item", disable=True) as bar:
    ...     sum(bar)
    3
    """
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, unit=unit, total=total, initial=initial, disable=disable, mininterval=PROGRESS_INTERVAL)
