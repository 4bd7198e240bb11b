"""The ``advseg`` command line.

Each subcommand lives in its own module under :mod:`advseg.cli` and
registers itself through a ``register(subparsers)`` function; this module only
assembles them and turns the package's clear errors into one-line messages
with exit status 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence

from advseg._version import __version__

__all__ = ["build_parser", "main"]

# subcommand name -> module that defines ``register(subparsers)``
COMMAND_MODULES: dict[str, str] = {
    "info": "advseg.cli.info",
    "data": "advseg.cli.data",
    "train": "advseg.cli.train",
    "segment": "advseg.cli.segment",
    "evaluate": "advseg.cli.evaluate",
    "baseline": "advseg.cli.baseline",
    "sweep": "advseg.cli.sweep",
    "sweep-cell": "advseg.cli.sweep_cell",
    "results": "advseg.cli.results",
    "export": "advseg.cli.export",
}


def build_parser() -> argparse.ArgumentParser:
    """Assemble the top-level parser from :data:`COMMAND_MODULES`."""
    parser = argparse.ArgumentParser(
        prog="advseg",
        description="Microscopy cell segmentation via adversarial neural networks "
        "(Arbelle & Riklin Raviv, 2017).",
    )
    parser.add_argument("--version", action="version", version=f"advseg {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES.values():
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 on success, 1 on a user error or an operating-system one such as a folder it may not write
        to (one line on stderr), 2 on bad usage.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2
    default_show = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None) -> None:  # the package's own warnings: one line
        if category.__module__.startswith("advseg"):
            print(f"advseg {args.command}: warning: {message}", file=sys.stderr)
        else:
            default_show(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        return int(args.handler(args) or 0)
    except (ValueError, ImportError) as error:
        print(f"advseg {args.command}: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # missing paths, permissions, full disks: the path and the reason, without a traceback
        where = f"{error.filename}: " if error.filename else ""
        print(f"advseg {args.command}: error: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"advseg {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.showwarning = default_show


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
