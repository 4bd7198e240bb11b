"""The package version, in one place (read by setuptools and by run records)."""

__version__ = "0.1.0"
