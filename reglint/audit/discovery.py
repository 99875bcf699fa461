"""Finding saved models below directories: one function for the CLI and the pytest plugin.

A SavedModel directory is one model; ``.keras``, ``.h5`` and ``.hdf5`` files
are models, except ``*.weights.h5`` (``model.save_weights``), which hold no
model config. Excludes use gitignore semantics (as ``reglint check``), matched
against the path relative to the directory being searched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
WEIGHTS_SUFFIXES = (".weights.h5", ".weights.hdf5")
_SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")

NO_MODEL = (
    "not a SavedModel, and no model below this directory "
    "(.keras, .h5 files or SavedModel directories)"
)
WEIGHTS_ONLY = (
    "holds weights only (model.save_weights), not a model: audit the .keras/.h5 model file"
)


def is_saved_model_dir(path: Path) -> bool:
    return path.is_dir() and any((path / f).is_file() for f in _SAVED_MODEL_FILES)


def is_weights_file(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path).lower().endswith(WEIGHTS_SUFFIXES)


def find_models(root: Path, exclude: Iterable[str] = ()) -> Iterator[Path]:
    """``root`` itself (a file or a SavedModel), or the models below a directory.

    Directories are walked in sorted order without following symlinks (no loop
    can recurse); a SavedModel directory is not searched further.
    """
    if not root.is_dir() or is_saved_model_dir(root):
        yield root
        return
    spec = _spec(tuple(exclude))
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            sub = here / d
            if spec is not None and spec.match_file(sub.relative_to(root).as_posix() + "/"):
                continue
            if is_saved_model_dir(sub):
                yield sub
            else:
                keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.lower().endswith(MODEL_SUFFIXES) or is_weights_file(name):
                continue
            path = here / name
            if spec is not None and spec.match_file(path.relative_to(root).as_posix()):
                continue
            yield path


def expand_paths(paths: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """Every model below ``paths``, in order, without duplicates.

    A directory holding no model stays in the list as itself, so that auditing
    it reports :data:`NO_MODEL` next to the other models' results.
    """
    out: list[str] = []
    seen: set[str] = set()
    for raw in paths:
        found = [str(p) for p in find_models(Path(raw), exclude)] or [raw]
        for p in found:
            key = os.path.normcase(os.path.abspath(p))
            if key not in seen:
                seen.add(key)
                out.append(p)
    return out


def refusal(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` is not one model to audit, decided before reading it (or None)."""
    p = Path(path)
    if p.is_dir() and not is_saved_model_dir(p):
        n = sum(1 for _ in find_models(p))
        if n == 0:
            return NO_MODEL
        return f"a directory of {n} model(s), not a SavedModel: pass its models or use the CLI"
    if p.is_file() and is_weights_file(p):
        return WEIGHTS_ONLY
    return None


def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec | None:
    if not patterns:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)
