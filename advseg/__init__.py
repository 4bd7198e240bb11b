"""advseg: microscopy cell segmentation via adversarial neural networks.

A PyTorch reproduction of Arbelle & Riklin Raviv (2017), "Microscopy Cell
Segmentation via Adversarial Neural Networks": an estimator network segments
nuclei into background / interior / contour, and a "rib cage" discriminator
learns to tell manual from estimated segmentations.

The package has two wings (see ARCHITECTURE.md). The library --
:mod:`advseg.data`, :mod:`advseg.nn`, :mod:`advseg.training`,
:mod:`advseg.evaluation`, :mod:`advseg.baselines` and :mod:`advseg.plot` --
does the work; the book's experiment (:mod:`advseg.experiment`) and the
command line (:mod:`advseg.cli`) build on it. This module re-exports what a
notebook or a user needs most, including :func:`load_results`, the sweep's
result files as one pandas DataFrame.
"""

from __future__ import annotations

from advseg._version import __version__
from advseg.data import (
    CropSampler,
    DataConfig,
    Dataset,
    PaperProtocol,
    Sample,
    Splits,
    SyntheticConfig,
    class_rgb,
    load_dataset,
    make_splits,
    paper_protocol,
    read_image,
    read_labels,
    synthetic_h1299,
    synthetic_timelapse,
    three_class_targets,
    write_tiff,
)
from advseg.evaluation import (
    Evaluation,
    evaluate_folders,
    evaluate_labels,
    matching,
    paper_score,
    postprocess,
    predict_probs,
    seg_score,
    segment_files,
)
from advseg.experiment.results import load_results
from advseg.nn import ModelConfig, build_discriminator, build_estimator
from advseg.training import (
    METHODS,
    TrainConfig,
    Trainer,
    get_preset,
    load_model,
    save_model,
    train_run,
)
from advseg.utils import get_device, seed_worker, set_seed

__all__ = [
    "METHODS",
    "__version__",
    "CropSampler",
    "DataConfig",
    "Dataset",
    "Evaluation",
    "ModelConfig",
    "PaperProtocol",
    "Sample",
    "Splits",
    "SyntheticConfig",
    "TrainConfig",
    "Trainer",
    "build_discriminator",
    "build_estimator",
    "class_rgb",
    "evaluate_folders",
    "evaluate_labels",
    "get_device",
    "get_preset",
    "load_dataset",
    "load_model",
    "load_results",
    "make_splits",
    "matching",
    "paper_protocol",
    "paper_score",
    "postprocess",
    "predict_probs",
    "read_image",
    "read_labels",
    "save_model",
    "seed_worker",
    "seg_score",
    "segment_files",
    "set_seed",
    "synthetic_h1299",
    "synthetic_timelapse",
    "three_class_targets",
    "train_run",
    "write_tiff",
]
