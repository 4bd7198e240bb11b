"""Model files: weights plus what is needed to rebuild the model and prepare its input.

A model file is a ``torch.save`` of plain containers (dicts, lists, strings,
numbers, tensors), so it loads with ``weights_only=True`` and never unpickles
arbitrary objects.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from advseg.data.atomic import atomic_write
from advseg.data.config import DataConfig
from advseg.nn import build_estimator
from advseg.nn.config import ModelConfig
from advseg.training.options import coerce_option

__all__ = ["FORMAT", "LoadedModel", "add_metadata", "atomic_save", "load_model", "save_model", "to_float16"]

FORMAT = "advseg-model"  # marker that tells an advseg model file from any other file
VERSION = 1


def atomic_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save`` to a temporary file beside ``path``, then rename it into place (see :mod:`advseg.data.atomic`)."""
    return atomic_write(path, lambda temporary: torch.save(obj, temporary))


def _plain(config: Any) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(config).items()}


def _config(cls: type, data: dict[str, Any]) -> Any:
    known = {f.name for f in fields(cls)}
    return cls(**{key: coerce_option(cls, key, value) for key, value in data.items() if key in known})


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

    Raises
    ------
    ValueError
        If a weight is NaN or infinite (such a model labels nothing).
    """
    state = weights or estimator.state_dict()
    bad = [key for key, value in state.items() if value.is_floating_point() and not torch.isfinite(value).all()]
    if bad:
        raise ValueError(f"{path}: not saved: {len(bad)} weight tensor(s) hold NaN or infinity (first {bad[0]!r})")
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model_config": _plain(model_config),
        "data_config": _plain(data_config),
        "estimator": {key: value.detach().cpu() for key, value in state.items()},
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

    def predict(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Three-class probabilities (3, H, W) for whole frames, as the trainer's ``predict`` computes them."""
        from advseg.evaluation.inference import predict_frames

        return predict_frames(self.estimator, images, data_config=self.data_config)


def _check_weights(path: Path, estimator: nn.Module, weights: Any, description: str) -> None:
    """Refuse weights that do not fit ``estimator`` exactly or are not finite, in one line naming ``path``."""
    if not isinstance(weights, dict) or not all(torch.is_tensor(value) for value in weights.values()):
        raise ValueError(f"{path}: not an advseg model file (its 'estimator' entry is not a set of weights)")
    expected = estimator.state_dict()
    missing = [key for key in expected if key not in weights]
    unexpected = [key for key in weights if key not in expected]
    reshaped = [key for key in expected if key in weights and tuple(weights[key].shape) != tuple(expected[key].shape)]
    if missing or unexpected or reshaped:
        found = [f"{len(keys)} {what} (e.g. {keys[0]!r})" for keys, what in
                 ((missing, "missing"), (unexpected, "unexpected"), (reshaped, "of another shape")) if keys]
        raise ValueError(f"{path}: weights do not fit the {description} its configuration describes: {', '.join(found)}")
    bad = [key for key, value in weights.items() if value.is_floating_point() and not torch.isfinite(value).all()]
    if bad:
        raise ValueError(f"{path}: {len(bad)} weight tensor(s) hold NaN or infinity (first {bad[0]!r}); the model is unusable")


def load_model(path: str | os.PathLike, *, device: torch.device | str = "cpu") -> LoadedModel:
    """Load a model file written by :func:`save_model`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        In one line naming the file, if it is not an advseg model file, is
        damaged, describes an invalid configuration, holds weights that do not
        fit that configuration's network (missing, unexpected or reshaped
        tensors), or holds non-finite weights.
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
    if not isinstance(payload.get("version"), int) or payload["version"] > VERSION:
        raise ValueError(f"{path}: model file version {payload.get('version')!r} is not one this advseg reads (up to {VERSION})")
    missing = [key for key in ("model_config", "data_config", "estimator") if not isinstance(payload.get(key), dict)]
    if missing:
        raise ValueError(f"{path}: damaged advseg model file (no {', '.join(missing)})")
    try:
        model_config = _config(ModelConfig, payload["model_config"])
        data_config = _config(DataConfig, payload["data_config"])
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: invalid configuration in the model file: {error}") from error
    estimator = build_estimator(model_config)
    _check_weights(path, estimator, payload["estimator"], f"{model_config.estimator} estimator")
    estimator.load_state_dict(payload["estimator"])
    estimator.to(device, memory_format=torch.channels_last).eval()  # as trained: same kernels, same outputs
    metadata = payload.get("metadata") if isinstance(payload.get("metadata"), dict) else {}
    return LoadedModel(estimator=estimator, model_config=model_config, data_config=data_config, metadata=metadata)


def _checked_payload(path: str | os.PathLike) -> dict[str, Any]:
    """The raw contents of a model file, after :func:`load_model` has accepted it (else its one-line error)."""
    load_model(path)  # refuses anything that is not a usable advseg model
    return torch.load(Path(path), map_location="cpu", weights_only=True)


def to_float16(source: str | os.PathLike, out: str | os.PathLike) -> Path:
    """Write a copy of a model file with its floating-point weights stored in float16 (half the size).

    :func:`load_model` reads them back into the float32 network, so the copy computes
    in float32 as the original does; only the weights are rounded (to 11 significant
    bits), which moves a U-Net's class probabilities by about 1e-3. The copy's metadata
    records ``"weights": "float16"``.

    Raises
    ------
    ValueError
        In one line naming ``source``, if it is not a usable model file, or if a weight
        lies beyond float16's range (about 65,504), where rounding would make it infinite.
    """
    payload = _checked_payload(source)
    limit = torch.finfo(torch.float16).max
    large = [key for key, value in payload["estimator"].items() if value.is_floating_point() and value.abs().max() > limit]
    if large:
        raise ValueError(f"{source}: {len(large)} weight tensor(s) exceed float16's range {limit:.0f} "
                         f"(first {large[0]!r}); keep the float32 file")
    payload["estimator"] = {key: value.half() if value.is_floating_point() else value
                            for key, value in payload["estimator"].items()}
    payload["metadata"] = dict(payload.get("metadata") or {}) | {"weights": "float16"}
    return atomic_save(payload, out)


def add_metadata(path: str | os.PathLike, values: dict[str, Any]) -> Path:
    """Add plain ``values`` to a model file's metadata in place (atomically), replacing keys it already holds.

    Raises
    ------
    ValueError
        In one line naming ``path``, if it is not a usable model file.
    """
    payload = _checked_payload(path)
    payload["metadata"] = dict(payload.get("metadata") or {}) | values
    return atomic_save(payload, path)
