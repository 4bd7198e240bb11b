"""Subcommands of the ``advseg`` command line, one module each."""
