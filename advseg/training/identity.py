"""What a run is, and whether a run folder may be resumed or written into.

A run's *identity* is what decides the weights it learns: the data set, its
split (the rule and the exact training and validation images), the loss, the
preset, the seed, how masks were read, and all three configurations. It is
stored in ``run.json``; ``--resume`` continues a run only when the command
describes the same run, except for the fields in
:data:`~advseg.training.checkpoint.RESUMABLE` (train longer, on another
device). :func:`check_run_folder` says, before anything is written, what a
folder holds and which flag it needs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from advseg.training.checkpoint import RESUMABLE

__all__ = ["IDENTITY", "check_run_folder", "check_same_run"]

# run.json keys that make up the identity, compared in this order; a key an older run.json lacks takes the default
IDENTITY: dict[str, Any] = {
    "data": None, "loss": None, "preset": None, "seed": None, "n_train": None, "binary_masks": False,
    "split_rule": None, "train_names": None, "validation_names": None, "configs": None,
}
_START_AGAIN = "start it again with --overwrite"


def check_run_folder(run_dir: str | os.PathLike, *, resume: bool, overwrite: bool) -> None:
    """Refuse, before anything is written, a folder that the chosen flag cannot use.

    Parameters
    ----------
    run_dir : path-like
    resume, overwrite : bool
        The command's flags (they exclude each other).

    Raises
    ------
    FileNotFoundError
        If ``resume`` and there is no checkpoint to resume from.
    FileExistsError
        If neither flag is given and the folder is not empty, or it is a file.
    ValueError
        If both flags are given.
    """
    run_dir = Path(run_dir)
    if resume and overwrite:
        raise ValueError("`resume` and `overwrite` exclude each other; choose one")
    if run_dir.exists() and not run_dir.is_dir():
        raise FileExistsError(f"{run_dir}: exists and is not a folder")
    started = (run_dir / "run.json").is_file()
    has_checkpoint = (run_dir / "checkpoint.pt").is_file()
    if resume and not has_checkpoint:
        if started:
            raise FileNotFoundError(
                f"{run_dir}: nothing to resume: the run stopped before its first checkpoint (no checkpoint.pt); {_START_AGAIN}"
            )
        raise FileNotFoundError(f"{run_dir}: nothing to resume (no checkpoint.pt)")
    if resume or overwrite or not run_dir.is_dir() or not any(run_dir.iterdir()):
        return
    if not started:
        holds = "it holds other files"
        advice = "use --overwrite to write the run's files into it anyway, or choose another --out"
    elif (run_dir / "metrics.json").is_file():
        holds, advice = "it holds a finished run", "use --overwrite to replace it, or choose another --out"
    elif has_checkpoint:
        holds, advice = "it holds an unfinished run", "continue it with --resume, or replace it with --overwrite"
    else:
        holds, advice = "it holds a run that stopped before its first checkpoint and cannot be resumed", _START_AGAIN
    raise FileExistsError(f"{run_dir}: folder is not empty: {holds}; {advice}")


def _flatten(value: Any, prefix: str) -> list[tuple[str, Any]]:
    """(dotted name, leaf) pairs; lists compare as wholes but name their first differing item."""
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in _flatten(item, f"{prefix}.{key}")]
    return [(prefix, value)]


def _difference(name: str, old: Any, new: Any) -> str:
    """``old`` and ``new`` of field ``name`` in words (lists by their first differing item)."""
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return f"{name} has {len(new)} entries now but had {len(old)}"
        index = next(i for i, (a, b) in enumerate(zip(old, new)) if a != b)
        name, old, new = f"{name}[{index}]", old[index], new[index]
    return f"{name} is {new!r} now but was {old!r}"


def _added_fields() -> dict[str, Any]:
    """Configuration fields added after runs were recorded, with the default that reproduces those runs."""
    from dataclasses import fields

    from advseg.data.config import DataConfig
    from advseg.nn.config import ModelConfig
    from advseg.training.config import TrainConfig

    added = {("data", "intensity_augment"), ("data", "scale_augment"), ("train", "sampler"), ("model", "spectral_norm"),
             ("train", "real_label"), ("train", "instance_noise"), ("train", "d_input"), ("train", "r1_gamma"),
             ("train", "compile"), ("train", "bf16_cpu")}
    defaults = {section: {f.name: f.default for f in fields(cls)}
                for section, cls in (("data", DataConfig), ("model", ModelConfig), ("train", TrainConfig))}
    return {f"configs.{section}.{name}": json.loads(json.dumps(defaults[section][name])) for section, name in added}


def check_same_run(run_dir: str | os.PathLike, identity: dict[str, Any]) -> None:
    """Refuse to resume the run in ``run_dir`` unless its ``run.json`` has this ``identity``.

    Parameters
    ----------
    run_dir : path-like
        A run folder with ``run.json``.
    identity : dict
        The keys of :data:`IDENTITY`, as this command would record them.

    Raises
    ------
    ValueError
        Naming the first field that differs, old and new, or the problem with
        ``run.json``.
    """
    path = Path(run_dir) / "run.json"
    try:
        saved = json.loads(path.read_text())
    except FileNotFoundError as error:
        raise ValueError(f"{path}: missing, so the checkpoint beside it cannot be checked; {_START_AGAIN}") from error
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: unreadable ({type(error).__name__}); {_START_AGAIN}") from error
    if not isinstance(saved, dict):
        raise ValueError(f"{path}: not a run description (a JSON object); {_START_AGAIN}")
    new = json.loads(json.dumps(identity))  # tuples as lists, as run.json holds them
    skip = {f"configs.train.{field}" for field in RESUMABLE}
    added = _added_fields()  # configuration fields newer than some run.json files, at their defaults
    for key, default in IDENTITY.items():
        if key not in saved and default is None:
            raise ValueError(f"{path}: records no {key!r}, so this run cannot be checked; {_START_AGAIN}")
        old_pairs = dict(_flatten(saved.get(key, default), key))
        for name, value in _flatten(new[key], key):
            if name not in old_pairs and name in added and added[name] == value:
                continue  # a field the run predates, at the default the run had in effect
            if name not in skip and old_pairs.get(name) != value:
                raise ValueError(
                    f"{Path(run_dir)}: cannot resume a different run: {_difference(name, old_pairs.get(name), value)} "
                    "(run.json); resume with the run's own settings, or use --overwrite to replace it"
                )
