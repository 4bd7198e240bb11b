"""Training: configurations, presets, named methods, the trainer, runs on disk and model files.

The library never imports :mod:`advseg.experiment` or :mod:`advseg.cli`.
"""

from advseg.training.config import TrainConfig
from advseg.training.methods import METHODS, Method
from advseg.training.modelfile import FORMAT, LoadedModel, atomic_save, load_model, save_model
from advseg.training.presets import PRESETS, Preset, apply_options, get_preset
from advseg.training.runs import RUN_FILES, RunResult, evaluate_model, git_commit, provenance, train_run
from advseg.training.trainer import Trainer, TrainResult

__all__ = ["FORMAT", "METHODS", "PRESETS", "RUN_FILES", "LoadedModel", "Method", "Preset", "RunResult", "TrainConfig", "TrainResult", "Trainer", "apply_options", "atomic_save", "evaluate_model", "get_preset", "git_commit", "load_model", "provenance", "save_model", "train_run"]
