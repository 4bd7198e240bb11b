"""Argument types shared by the subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["output_path"]


def output_path(value: str) -> Path:
    """An ``--out`` path; an empty one (which would mean the current folder) is refused.

    Examples
    --------
    >>> output_path("runs/mine")
    PosixPath('runs/mine')
    """
    if not value.strip():
        raise argparse.ArgumentTypeError("the path is empty; name the folder to write")
    return Path(value)
