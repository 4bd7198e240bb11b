"""Atomic writes: a temporary file beside the target, renamed into place, with normal permissions.

Every file the package writes through a temporary file (model files,
checkpoints, ``run.json``, label TIFFs, the cached synthetic set) is made by
:func:`atomic_write`, so a reader never sees half a file. Temporary names
follow one pattern, ``.<name>.<8 random characters>.<suffix>``, which lets
:func:`remove_stale_temporaries` delete what a killed process left behind.

The temporary file is created with mode ``0o666`` (folders ``0o777``) and the
process's umask applied by the kernel, exactly as a plain ``open(path, "w")``
would, never with :func:`tempfile.mkstemp`'s private ``0o600``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["PROCESS_STARTED", "atomic_write", "make_staging_dir", "remove_stale_temporaries", "write_text_atomic"]

PROCESS_STARTED = time.time()  # about when this process started: older temporaries are not ours
# .<name>.<token>.<suffix> (files) and .<name>.<token> (staging folders): ours (token_hex) and
# tempfile.mkstemp's / mkdtemp's ([a-z0-9_]) from older versions
_TEMPORARY_FILE = re.compile(r"^\..+\.[a-z0-9_]{8}\.(tmp|tif)$")
_STAGING_DIR = re.compile(r"^\..+\.[a-z0-9_]{8}$")


def _temporary_name(path: Path, suffix: str) -> Path:
    return path.parent / f".{path.name if suffix == '.tmp' else path.stem}.{secrets.token_hex(4)}{suffix}"


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None], *, suffix: str = ".tmp") -> Path:
    """Call ``write(temporary)``, then rename the temporary file to ``path``.

    Parameters
    ----------
    path : path-like
        Destination; its folder must exist.
    write : callable
        Writes the whole file to the path it is given.
    suffix : str, optional
        Of the temporary name (``".tif"`` where the writer looks at it).

    Returns
    -------
    Path
        ``path``, with the permissions a normal write would give it.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "a.txt", lambda p: p.write_text("hi")).read_text()
    'hi'
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt']
    """
    path = Path(path)
    while True:
        temporary = _temporary_name(path, suffix)
        try:
            os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))  # umask applies
            break
        except FileExistsError:  # pragma: no cover - 2**32 names
            continue
        except OSError as error:  # a folder one may not write to: name the file asked for, not the hidden temporary
            raise _named(error, path) from error
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.filename == str(temporary):
            raise _named(error, path) from error
        raise
    return path


def _named(error: OSError, path: Path) -> OSError:
    """The same OS error, naming ``path``."""
    return type(error)(error.errno, error.strerror, str(path)) if error.errno is not None else error


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda temporary: temporary.write_text(text))


def make_staging_dir(parent: str | os.PathLike, name: str) -> Path:
    """A new hidden folder ``parent/.<name>.<token>`` to fill and then rename into place (mode as ``mkdir``)."""
    while True:
        staging = Path(parent) / f".{name}.{secrets.token_hex(4)}"
        try:
            staging.mkdir(mode=0o777)  # umask applies, unlike tempfile.mkdtemp's 0o700
            return staging
        except FileExistsError:  # pragma: no cover
            continue
        except OSError as error:
            raise _named(error, Path(parent) / name) from error


def remove_stale_temporaries(
    folder: str | os.PathLike, *, before: float | None = None, staging: bool = False
) -> list[Path]:
    """Delete the temporary files (and staging folders) a killed process left in ``folder``.

    Only hidden names of this module's pattern (``.<name>.<8 characters>.tmp``
    or ``.tif``; folders ``.<name>.<8 characters>``) last modified before
    ``before`` (by default, when this process started) are removed, so a
    write in progress in another process is left alone.

    Parameters
    ----------
    folder : path-like
        Searched without recursion; a missing folder holds nothing.
    before : float, optional
        A time stamp (seconds since the epoch).
    staging : bool, optional
        Also remove staging folders (:func:`make_staging_dir`).

    Returns
    -------
    list of Path
        What was removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    before = PROCESS_STARTED if before is None else before
    removed = []
    for entry in folder.iterdir():
        is_dir = entry.is_dir() and not entry.is_symlink()
        if not (_STAGING_DIR.match(entry.name) and staging if is_dir else _TEMPORARY_FILE.match(entry.name)):
            continue
        try:
            if entry.lstat().st_mtime >= before:
                continue
            if is_dir:
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except FileNotFoundError:  # another process cleaned it first
            continue
        removed.append(entry)
    return sorted(removed)
