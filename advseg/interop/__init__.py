"""Advseg models for other tools: TorchScript and the bioimage.io model format (deepImageJ, napari)."""

from advseg.interop.torchscript import ProbabilityModule, to_torchscript

__all__ = ["ProbabilityModule", "to_torchscript"]
