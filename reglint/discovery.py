"""Finding the files to lint under the paths given on the command line."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass
class Discovery:
    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # paths that do not exist


def discover(paths: Iterable[str], settings: Settings, force_exclude: bool = False) -> Discovery:
    """Files below ``paths`` in a deterministic order, without duplicates.

    A file named explicitly is linted even if excluded (as in ruff), unless
    ``force_exclude`` (what pre-commit, which passes every changed file, wants).
    Directories are walked without following symlinks, so a link loop cannot
    recurse, and only regular files (or links to them) are collected from them;
    a file named explicitly is kept whatever it is, so that reading it reports
    why it cannot be linted.
    """
    out = Discovery()
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            out.files.append(path)

    for raw in paths:
        path = Path(raw)
        if not os.path.lexists(path):
            out.missing.append(raw)
        elif path.is_dir():
            if force_exclude and settings.is_excluded(path):
                continue
            for file in _walk(path, settings):
                add(file)
        elif not (force_exclude and settings.is_excluded(path)):
            add(raw)
    return out


def _walk(root: Path, settings: Settings) -> Iterable[str]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames if not settings.is_excluded(os.path.join(dirpath, d) + "/")
        )
        for name in sorted(filenames):
            if name.endswith(SOURCE_SUFFIXES):
                full = os.path.normpath(os.path.join(dirpath, name))
                if not settings.is_excluded(full) and not _special(full):
                    yield full


def _special(path: str) -> bool:
    """A FIFO, socket or device (through symlinks): skipped in a walk. A path
    that cannot be stat'ed is kept, so reading it reports why."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False
