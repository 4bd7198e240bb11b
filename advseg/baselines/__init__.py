"""Measured baselines: an Ilastik-style pixel classifier and a classical watershed pipeline."""

from advseg.baselines.classical import ClassicalWatershed
from advseg.baselines.features import ILASTIK_SCALES, filter_bank
from advseg.baselines.pixel_classifier import IlastikStyleClassifier

BASELINES = {"ilastik-style": IlastikStyleClassifier, "watershed": ClassicalWatershed}

__all__ = ["BASELINES", "ILASTIK_SCALES", "ClassicalWatershed", "IlastikStyleClassifier", "filter_bank"]
