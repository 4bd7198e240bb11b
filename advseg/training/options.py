"""Configuration options by name (``--set FIELD=VALUE``), checked against the field's type.

Values arrive as JSON (numbers, ``true``/``false``, lists, ``null``) or as
strings. :func:`coerce_option` accepts a value only when it fits the type the
configuration dataclass declares for the field, so a wrong value fails at
once with one line, before any file is written, rather than deep inside
training.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any

__all__ = ["coerce_option"]


def _describe(hint: Any) -> str:
    """The type ``hint`` in words, e.g. ``"a list of 3 numbers or null"``."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join("null" if arg is type(None) else _describe(arg) for arg in args)
    if typing.get_origin(hint) is tuple:
        return f"a list of {len(args)} {_describe(args[0]).removeprefix('a ').removeprefix('an ')}s"
    return {bool: "true or false", int: "an integer", float: "a finite number", str: "a string"}.get(hint, str(hint))


def _fits(value: Any, hint: Any) -> tuple[bool, Any]:
    """Whether ``value`` fits ``hint``, and the value as the field stores it."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is type(None):
                if value is None:
                    return True, None
                continue
            ok, converted = _fits(value, arg)
            if ok:
                return True, converted
        return False, value
    if origin is tuple:
        if not isinstance(value, (list, tuple)) or len(value) != len(args):
            return False, value
        items = [_fits(item, arg) for item, arg in zip(value, args)]
        return all(ok for ok, _ in items), tuple(converted for _, converted in items)
    if hint is bool:
        return isinstance(value, bool), value
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if hint is float:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return number and math.isfinite(value), float(value) if number else value
    if hint is str:
        return isinstance(value, str), value
    return True, value  # a type without a rule: left to the dataclass's own checks


def coerce_option(config: type, name: str, value: Any) -> Any:
    """``value`` as field ``name`` of the dataclass ``config`` stores it, or a clear error.

    Parameters
    ----------
    config : dataclass type
        E.g. :class:`~advseg.data.config.DataConfig`.
    name : str
        One of its fields.
    value : object
        As parsed from ``--set`` (JSON when it parses, else a string).

    Returns
    -------
    object
        The value; lists become tuples, integers given for a float field become floats.

    Raises
    ------
    ValueError
        If the value does not fit the field's type (NaN and infinity never fit a number).

    Examples
    --------
    >>> from advseg.training.config import TrainConfig
    >>> coerce_option(TrainConfig, "class_weights", [1, 2, 3])
    (1.0, 2.0, 3.0)
    >>> coerce_option(TrainConfig, "iterations", 1.5)
    Traceback (most recent call last):
    ...
    ValueError: `iterations` must be an integer, got 1.5
    """
    hint = typing.get_type_hints(config)[name]
    ok, converted = _fits(value, hint)
    if not ok:
        raise ValueError(f"`{name}` must be {_describe(hint)}, got {value!r}")
    return converted
