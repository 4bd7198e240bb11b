"""Seeding and device selection."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from advseg.utils import get_device, set_seed


def test_same_seed_gives_same_draws_everywhere() -> None:
    set_seed(3)
    first = (np.random.rand(), torch.rand(2))
    set_seed(3)
    second = (np.random.rand(), torch.rand(2))
    assert first[0] == second[0]
    assert torch.equal(first[1], second[1])


def test_returned_generator_is_seeded() -> None:
    assert torch.equal(torch.rand(4, generator=set_seed(5)), torch.rand(4, generator=set_seed(5)))
    assert not torch.equal(torch.rand(4, generator=set_seed(5)), torch.rand(4, generator=set_seed(6)))


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed_is_rejected(seed: object) -> None:
    with pytest.raises(ValueError, match="`seed` must be a non-negative integer"):
        set_seed(seed)  # type: ignore[arg-type]


def test_get_device_cpu_and_auto() -> None:
    assert get_device("cpu") == torch.device("cpu")
    assert get_device("auto").type in {"cpu", "cuda"}


def test_get_device_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="`device`"):
        get_device("toaster")
    with pytest.raises(ValueError, match=r"`device` must be 'auto', 'cpu' or 'cuda', got 'mps'"):
        get_device("mps")  # a device torch knows but this build does not run on


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present")
def test_get_device_cuda_without_cuda_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="CUDA is not available"):
        get_device("cuda")


def test_cpu_bfloat16_reads_the_flags_and_says_when_it_cannot(tmp_path):
    from advseg.utils import cpu_bfloat16

    path = tmp_path / "cpuinfo"
    path.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f\n\nprocessor\t: 1\nflags\t\t: fpu avx2 avx512f\n")
    assert cpu_bfloat16(path) == ""  # AVX-512 without its bfloat16 extension: emulated
    path.write_text("flags\t\t: fpu amx_tile amx_bf16 avx512_bf16\n")
    assert cpu_bfloat16(path) == "avx512_bf16"
    path.write_text("processor\t: 0\n")  # no flags line (another architecture's layout)
    assert cpu_bfloat16(path) is None
    assert cpu_bfloat16(tmp_path / "missing") is None
