"""Model files: weights plus what is needed to rebuild the model and prepare its input.

A model file is a ``torch.save`` of plain containers (dicts, lists, strings,
numbers, tensors), so it loads with ``weights_only=True`` and never unpickles
arbitrary objects.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from advseg.data.config import DataConfig
from advseg.nn import build_estimator
from advseg.nn.config import ModelConfig

__all__ = ["FORMAT", "LoadedModel", "atomic_save", "load_model", "save_model"]

FORMAT = "advseg-model"  # marker that tells an advseg model file from any other file
VERSION = 1


def atomic_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save`` to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        torch.save(obj, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _plain(config: Any) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(config).items()}


def _config(cls: type, data: dict[str, Any]) -> Any:
    known = {f.name for f in fields(cls)}
    return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items() if key in known})


def save_model(
    path: str | os.PathLike,
    estimator: nn.Module,
    *,
    model_config: ModelConfig,
    data_config: DataConfig,
    metadata: dict[str, Any] | None = None,
    weights: dict[str, torch.Tensor] | None = None,
) -> Path:
    """Write an estimator and its configuration atomically.

    Parameters
    ----------
    path : path-like
    estimator : nn.Module
    model_config, data_config : ModelConfig, DataConfig
        How to rebuild the network and normalise its input.
    metadata : dict, optional
        Plain values (numbers, strings, lists, dicts): provenance, metrics.
    weights : dict of tensors, optional
        A state dict to save instead of the estimator's current one (e.g. the
        selected weights of a run that has trained on).
    """
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model_config": _plain(model_config),
        "data_config": _plain(data_config),
        "estimator": {key: value.detach().cpu() for key, value in (weights or estimator.state_dict()).items()},
        "metadata": metadata or {},
    }
    return atomic_save(payload, path)


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """An estimator ready for inference, with its configuration."""

    estimator: nn.Module  # in eval mode
    model_config: ModelConfig
    data_config: DataConfig
    metadata: dict[str, Any]


def load_model(path: str | os.PathLike, *, device: torch.device | str = "cpu") -> LoadedModel:
    """Load a model file written by :func:`save_model`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not an advseg model file (or is damaged).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for foreign or damaged files
        raise ValueError(f"{path}: not an advseg model file (cannot be read as one: {type(error).__name__})") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not an advseg model file (no '{FORMAT}' marker)")
    if payload.get("version", 0) > VERSION:
        raise ValueError(f"{path}: model file version {payload['version']} is newer than this advseg reads ({VERSION})")
    model_config = _config(ModelConfig, payload["model_config"])
    data_config = _config(DataConfig, payload["data_config"])
    estimator = build_estimator(model_config)
    estimator.load_state_dict(payload["estimator"])
    estimator.to(device, memory_format=torch.channels_last).eval()  # as trained: same kernels, same outputs
    return LoadedModel(estimator=estimator, model_config=model_config, data_config=data_config, metadata=payload["metadata"])
