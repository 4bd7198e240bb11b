"""What ``advseg export`` refuses before it writes anything: a name bioimage.io would refuse, a folder it must not replace."""

from __future__ import annotations

from pathlib import Path

__all__ = ["NAME_CHARACTERS", "check_name", "check_replaceable"]

NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+- ()")  # bioimage.io's model names


def check_name(name: str) -> None:
    """Refuse a model name bioimage.io would refuse (5 to 128 letters, digits, spaces and ``_+-()``), in one line.

    Examples
    --------
    >>> check_name("advseg nucleus estimator")
    >>> check_name("Kern-Zählung")
    Traceback (most recent call last):
    ...
    ValueError: `name` may hold only letters a-z and A-Z, digits, spaces and _+-(), got 'Kern-Zählung' (with 'ä')
    """
    odd = sorted(set(name) - NAME_CHARACTERS)
    if odd:
        raise ValueError(f"`name` may hold only letters a-z and A-Z, digits, spaces and _+-(), got {name!r} (with {odd[0]!r})")
    if not (5 <= len(name.strip()) and len(name) <= 128):
        raise ValueError(f"`name` must be 5 to 128 characters long, not counting spaces at its ends (bioimage.io's rule), "
                         f"got {name!r} ({len(name)})")


def check_replaceable(out: Path) -> None:
    """Refuse to replace a non-empty folder that is not an earlier package, or one that holds the working folder."""
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not (out / "rdf.yaml").is_file():
        raise FileExistsError(f"{out}: holds files that are not a bioimage.io package (no rdf.yaml); overwriting replaces "
                              "only an earlier package: choose a new or empty folder")
    here = Path.cwd().resolve()
    if out.resolve() == here or out.resolve() in here.parents:
        raise FileExistsError(f"{out}: is the working folder or holds it; export to another folder")
