"""Finding the files to lint under the paths given on the command line."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings

if TYPE_CHECKING:
    import pathspec

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass
class Discovery:
    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # paths that do not exist
    #: Directories met in a walk that could not be listed, with the reason.
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def discover(
    paths: Iterable[str],
    settings: Settings,
    force_exclude: bool = False,
    respect_gitignore: bool | None = None,
) -> Discovery:
    """Files below ``paths`` in a deterministic order, without duplicates.

    A file named explicitly is linted even if excluded (as in ruff), unless
    ``force_exclude`` (what pre-commit, which passes every changed file, wants).
    Directories are walked without following symlinks, so a link loop cannot
    recurse, and only regular files (or links to them) are collected from them;
    a file named explicitly is kept whatever it is, so that reading it reports
    why it cannot be linted. Inside a git work tree, what its ``.gitignore``
    files and ``.git/info/exclude`` ignore is skipped in a walk, unless
    ``respect_gitignore`` is False (default: the settings' ``respect-gitignore``).
    """
    out = Discovery()
    seen: set[str] = set()
    if respect_gitignore is None:
        respect_gitignore = settings.respect_gitignore

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
            ignored = GitIgnore.for_walk(path) if respect_gitignore else None
            for file in _walk(path, settings, ignored, out.unreadable):
                add(file)
        elif not (force_exclude and settings.is_excluded(path)):
            add(raw)
    return out


def _walk(
    root: Path,
    settings: Settings,
    ignored: GitIgnore | None,
    unreadable: list[tuple[str, str]],
) -> Iterable[str]:
    def onerror(exc: OSError) -> None:
        if exc.filename is not None:
            unreadable.append((os.path.normpath(exc.filename), exc.strerror or str(exc)))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=onerror):
        if ignored is not None:
            ignored.enter(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not settings.is_excluded(os.path.join(dirpath, d) + "/")
            and not (ignored is not None and ignored.match(os.path.join(dirpath, d), True))
        )
        for name in sorted(filenames):
            if name.endswith(SOURCE_SUFFIXES):
                full = os.path.normpath(os.path.join(dirpath, name))
                if (
                    not settings.is_excluded(full)
                    and not (ignored is not None and ignored.match(full, False))
                    and not _special(full)
                ):
                    yield full


def _special(path: str) -> bool:
    """A FIFO, socket or device (through symlinks): skipped in a walk. A path
    that cannot be stat'ed is kept, so reading it reports why."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


#: The largest ``.gitignore`` (or ``info/exclude``) read; a bigger one is not
#: read at all (its patterns are not applied), so a stray huge file costs nothing.
MAX_GITIGNORE_BYTES = 1024 * 1024


class GitIgnore:
    """What git ignores below a work tree's root, as git decides it: the
    ``.gitignore`` of the deepest directory with a matching pattern wins (its
    last matching pattern, ``!`` negations included), then the shallower ones,
    then ``.git/info/exclude``. Global excludes (``core.excludesFile``) are not
    read. pathspec is imported only when some ignore file has patterns.
    """

    def __init__(self, top: Path, exclude: pathspec.GitIgnoreSpec | None) -> None:
        self.top = os.path.abspath(top)
        self.specs: dict[str, pathspec.GitIgnoreSpec | None] = {}
        self.exclude = exclude

    @classmethod
    def for_walk(cls, root: Path) -> GitIgnore | None:
        """The ignore rules for a walk of ``root``, or None outside a git work tree
        (as ruff, whose walker follows git: ``.gitignore`` needs a repository)."""
        start = Path(os.path.abspath(root))
        top = next((d for d in (start, *start.parents) if (d / ".git").exists()), None)
        if top is None:
            return None
        exclude = _read_spec(top / ".git" / "info" / "exclude")
        ignored = cls(top, exclude)
        for d in reversed((start, *start.parents)):  # the parents' files apply below them
            if d == top or top in d.parents:
                ignored.enter(str(d))
        return ignored

    def enter(self, directory: str) -> None:
        key = os.path.abspath(directory)
        if key not in self.specs:
            self.specs[key] = _read_spec(Path(key) / ".gitignore")

    def match(self, path: str, is_dir: bool) -> bool:
        """Whether git ignores ``path`` (whose parent directories were entered)."""
        full = os.path.abspath(path)
        directory = os.path.dirname(full)
        while True:
            spec = self.specs.get(directory)
            if spec is not None:
                verdict = _verdict(spec, os.path.relpath(full, directory), is_dir)
                if verdict is not None:
                    return verdict
            if directory == self.top or os.path.dirname(directory) == directory:
                break
            directory = os.path.dirname(directory)
        if self.exclude is not None:
            verdict = _verdict(self.exclude, os.path.relpath(full, self.top), is_dir)
            if verdict is not None:
                return verdict
        return False


def _verdict(spec: pathspec.GitIgnoreSpec, rel: str, is_dir: bool) -> bool | None:
    rel = Path(rel).as_posix() + ("/" if is_dir else "")
    return spec.check_file(rel).include


def _read_spec(path: Path) -> pathspec.GitIgnoreSpec | None:
    """The patterns of an ignore file; None if absent, unreadable, too large or
    without patterns. A line pathspec cannot compile is skipped, as git skips it."""
    from .source import SourceError, read_bytes

    try:
        if not path.is_file():
            return None
        data, _ = read_bytes(path, MAX_GITIGNORE_BYTES)
    except (OSError, SourceError):
        return None
    lines = [
        line
        for line in data.decode("utf-8", "replace").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if not lines:
        return None
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:  # one bad line: keep the others
        good = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except Exception:
                continue
            good.append(line)
        return pathspec.GitIgnoreSpec.from_lines(good) if good else None
