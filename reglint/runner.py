"""Lint many files, in worker processes when it pays, streaming results in order."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from .config import Settings
from .engine import lint_source
from .findings import Finding
from .source import SourceError, read_source

#: Below this many files a pool costs more than it saves.
MIN_FILES_FOR_POOL = 16
CHUNK_SIZE = 32


@dataclass
class FileResult:
    """One file's outcome. ``error`` is set when it could not be read."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    source: str | None = None  # the text as read, when fixing
    fixed_source: str | None = None  # the text after fixes, when fixing and changed
    fixed: list[Finding] = field(default_factory=list)


def lint_file(path: str, settings: Settings, fix: bool = False) -> FileResult:
    try:
        if path.endswith(".ipynb"):
            from .notebooks import lint_notebook

            text = _read_text(path)
            return FileResult(path, lint_notebook(path, text, settings))
        text = read_source(path)
    except SourceError as exc:
        return FileResult(path, error=str(exc))
    if not fix:
        return FileResult(path, lint_source(text, path, settings))
    from .fixes import fix_source

    new, fixed = fix_source(text, path, settings)
    remaining = lint_source(new, path, settings) if fixed else None
    if remaining is None:
        remaining = lint_source(text, path, settings)
    return FileResult(path, remaining, source=text,
                      fixed_source=new if new != text else None, fixed=fixed)


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"not valid UTF-8 ({exc.reason} at offset {exc.start})") from None


_worker_settings: Settings | None = None
_worker_fix = False


def _init_worker(settings: Settings, fix: bool) -> None:
    global _worker_settings, _worker_fix
    _worker_settings, _worker_fix = settings, fix


def _lint_chunk(paths: Sequence[str]) -> list[FileResult]:
    assert _worker_settings is not None
    return [lint_file(p, _worker_settings, _worker_fix) for p in paths]


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def lint_files(files: Sequence[str], settings: Settings, jobs: int | None = None,
               fix: bool = False) -> Iterator[FileResult]:
    """Results in the order of ``files``; memory stays flat (no tree kept alive)."""
    jobs = jobs or default_jobs()
    if jobs <= 1 or len(files) < MIN_FILES_FOR_POOL:
        for path in files:
            yield lint_file(path, settings, fix)
        return
    size = max(1, min(CHUNK_SIZE, len(files) // (jobs * 4) or 1))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    method = "fork" if sys.platform == "linux" else None
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                             initializer=_init_worker, initargs=(settings, fix)) as pool:
        for results in pool.map(_lint_chunk, chunks):
            yield from results
