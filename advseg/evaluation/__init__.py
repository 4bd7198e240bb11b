"""Evaluation: instance metrics, post-processing, inference, segmenting files, error classes.

The library never imports :mod:`advseg.experiment` or :mod:`advseg.cli`.
"""

from advseg.evaluation.error_classes import ERROR_COLORS, ObjectErrors, classify_errors, error_map
from advseg.evaluation.inference import predict_probs
from advseg.evaluation.metrics import Matching, SegScore, matching, matching_dataset, seg_score
from advseg.evaluation.paper_score import PAPER_MARGIN, PaperScore, paper_score
from advseg.evaluation.postprocess import POSTPROCESSORS, postprocess
from advseg.evaluation.scoring import Evaluation, evaluate_folders, evaluate_labels, label_files, pairing_key
from advseg.evaluation.segment import segment_files

__all__ = ["ERROR_COLORS", "PAPER_MARGIN", "POSTPROCESSORS", "Evaluation", "Matching", "ObjectErrors", "PaperScore", "SegScore", "classify_errors", "error_map", "evaluate_folders", "evaluate_labels", "label_files", "matching", "matching_dataset", "pairing_key", "paper_score", "postprocess", "predict_probs", "seg_score", "segment_files"]
