"""Training presets: the paper's budget (for a GPU) and one measured to work on a 2-core CPU.

A preset fixes the model, data and training configuration; the loss, the
iteration count, the batch size, the seed and the device can be overridden.
The ``cpu`` preset's choices, and the measurements behind them, are in the
training chapter (``book/train.ipynb``) and ``benchmarks/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from advseg.data.config import DataConfig
from advseg.nn.config import ModelConfig
from advseg.training.config import TrainConfig
from advseg.training.options import coerce_option

__all__ = ["PRESETS", "Preset", "apply_options", "get_preset"]


@dataclass(frozen=True)
class Preset:
    """A named, complete training configuration."""

    description: str
    model: ModelConfig
    data: DataConfig
    train: TrainConfig


PRESETS: dict[str, Preset] = {
    "paper": Preset(
        description="the paper: B=100 (D sees 200), ~50K estimator steps, lr 1e-4, TF RMSProp, 20 D : 10 E steps; "
        "batch norm as TensorFlow's (momentum 0.001); meant for a GPU",
        model=ModelConfig(bn_momentum=0.001),
        data=DataConfig(),
        train=TrainConfig(
            batch_size=100, iterations=50_000, lr_estimator=1e-4, lr_discriminator=1e-4, optimizer="rmsprop_tf",
            d_steps=20, e_steps=10, validate_every=500, checkpoint_every=500, log_every=50,
        ),
    ),
    "cpu": Preset(
        description="a 2-core CPU in minutes: B=16, 600 estimator steps, 5 D : 5 E steps, TF RMSProp, "
        "estimator lr 1e-3 (the code's), discriminator lr 1e-5, label noise 0.3 on manual segmentations",
        model=ModelConfig(),
        data=DataConfig(),
        train=TrainConfig(
            batch_size=16, iterations=600, lr_estimator=1e-3, lr_discriminator=1e-5, optimizer="rmsprop_tf",
            d_steps=5, e_steps=5, manual_smoothing=0.3, validate_every=50, checkpoint_every=100, log_every=10,
        ),
    ),
}
# The cpu preset at two and four times its estimator steps, everything else the same: how the
# verdicts move with the training budget (the results chapter's budget figure).
for _factor in (2, 4):
    PRESETS[f"cpu-{_factor}x"] = replace(
        PRESETS["cpu"], train=replace(PRESETS["cpu"].train, iterations=_factor * PRESETS["cpu"].train.iterations),
        description=f"the cpu preset at {_factor}x its estimator steps ({_factor * PRESETS['cpu'].train.iterations}), "
        "everything else the same",
    )


def get_preset(name: str, *, options: Mapping[str, Any] | None = None, **overrides: Any) -> Preset:
    """The preset called ``name`` with training options replaced by ``overrides`` (None values ignored).

    Parameters
    ----------
    name : {"cpu", "cpu-2x", "cpu-4x", "paper"}
    options : mapping, optional
        Any field of :class:`~advseg.nn.config.ModelConfig`, :class:`~advseg.data.config.DataConfig`
        or :class:`~advseg.training.config.TrainConfig` by name, e.g. ``{"layer4_kernel": 4}``;
        each goes to the configuration that has it.
    **overrides
        Fields of the training configuration (the command line's own flags:
        ``loss``, ``iterations``, ``seed``...). A field given both here and in
        ``options`` must have the same value in both.

    Raises
    ------
    ValueError
        If ``name`` or an option's name is unknown, a value does not fit its
        field's type or range, or a field is given twice with different values.

    Examples
    --------
    >>> get_preset("cpu", loss="ce", iterations=50).train.iterations
    50
    >>> get_preset("cpu", options={"layer4_kernel": 4, "double_softmax": True}).model.layer4_kernel
    4
    """
    if name not in PRESETS:
        raise ValueError(f"`preset` must be one of {sorted(PRESETS)}, got {name!r}")
    preset = PRESETS[name]
    options = dict(options or {})
    changes = {key: value for key, value in overrides.items() if value is not None}
    unknown = sorted(set(changes) - {f.name for f in fields(TrainConfig)})
    if unknown:
        raise ValueError(f"`overrides` must name fields of TrainConfig, got unknown {unknown}")
    for key, value in changes.items():
        if key in options and coerce_option(TrainConfig, key, options[key]) != coerce_option(TrainConfig, key, value):
            raise ValueError(f"`{key}` is given twice with different values: {value!r}, and {options[key]!r} in `options` "
                             f"(--{key.replace('_', '-')} and --set {key}=...); give it once")
    return apply_options(preset, options | changes)


def apply_options(preset: Preset, options: Mapping[str, Any]) -> Preset:
    """``preset`` with each option set in the one configuration that has a field of its name.

    Each value is checked against its field's type first (see
    :func:`~advseg.training.options.coerce_option`), then by the
    configuration's own range checks; any failure is a :class:`ValueError`.
    """
    parts = {"model": preset.model, "data": preset.data, "train": preset.train}
    owners = {f.name: part for part, config in parts.items() for f in fields(config)}
    unknown = sorted(set(options) - set(owners))
    if unknown:
        raise ValueError(f"`options` must name fields of ModelConfig, DataConfig or TrainConfig, got unknown {unknown}")
    for part in parts:
        config = type(parts[part])
        changes = {key: coerce_option(config, key, value) for key, value in options.items() if owners[key] == part}
        if changes:
            parts[part] = replace(parts[part], **changes)
    return replace(preset, **parts)
