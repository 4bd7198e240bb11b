"""The ``advseg`` command line: :mod:`advseg.cli.main` assembles one module per subcommand."""

from advseg.cli.main import main

__all__ = ["main"]
