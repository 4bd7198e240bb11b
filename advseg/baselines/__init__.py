"""Measured baselines: an Ilastik-style pixel classifier, a classical watershed pipeline and Cellpose from scratch."""

from advseg.baselines.cellpose_peer import CellposeScratch
from advseg.baselines.classical import ClassicalWatershed
from advseg.baselines.features import ILASTIK_SCALES, filter_bank
from advseg.baselines.pixel_classifier import IlastikStyleClassifier

BASELINES = {"ilastik-style": IlastikStyleClassifier, "watershed": ClassicalWatershed, "cellpose-scratch": CellposeScratch}

__all__ = ["BASELINES", "ILASTIK_SCALES", "CellposeScratch", "ClassicalWatershed", "IlastikStyleClassifier", "filter_bank"]
