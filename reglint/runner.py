"""Lint many files, in worker processes when it pays, streaming results in order.

With the result cache (:mod:`reglint.cache`), the parent stats every file
first: unchanged files are answered from the cache without being read; the
others are sent, in order-preserving chunks, to the workers, which read each
file once (hashing exactly the bytes they lint) and skip linting when the
content digest shows the file did not change after all.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .config import Settings
from .engine import lint_source
from .findings import Finding
from .source import MAX_BYTES, SourceError, decode_source

if TYPE_CHECKING:
    from .cache import StatKey

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
        data, _ = _read(path)
    except SourceError as exc:
        return FileResult(path, error=str(exc))
    return _lint_data(path, data, settings, fix)


def _read(path: str) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its stat, taken *before* reading (see reglint.cache)."""
    notebook = path.endswith(".ipynb")
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read() if notebook else fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from None
    if not notebook and len(data) > MAX_BYTES:
        raise SourceError(f"file larger than {MAX_BYTES // (1024 * 1024)} MB, skipped")
    return data, st


def _lint_data(path: str, data: bytes, settings: Settings, fix: bool) -> FileResult:
    try:
        if path.endswith(".ipynb"):
            from .notebooks import lint_notebook

            return FileResult(path, lint_notebook(path, _decode_notebook(data), settings))
        text = decode_source(data)
    except SourceError as exc:
        return FileResult(path, error=str(exc))
    if not fix:
        return FileResult(path, lint_source(text, path, settings))
    from .fixes import fix_source

    new, fixed = fix_source(text, path, settings)
    remaining = lint_source(new, path, settings) if fixed else None
    if remaining is None:
        remaining = lint_source(text, path, settings)
    return FileResult(
        path, remaining, source=text, fixed_source=new if new != text else None, fixed=fixed
    )


def _decode_notebook(data: bytes) -> str:
    """UTF-8 with universal newlines, as ``open(path, encoding="utf-8")`` reads it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"not valid UTF-8 ({exc.reason} at offset {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


if TYPE_CHECKING:
    #: What a worker gets: a path (lint it), or (path, expected digest) for a cached run.
    Job = str | tuple[str, str | None]
    #: A cached run's answer: the result (None if the content has the expected
    #: digest), the stat signature and digest of the bytes read.
    Checked = tuple[FileResult | None, StatKey | None, str | None]


def _check(path: str, settings: Settings, expected: str | None) -> Checked:
    from .cache import content_digest, stat_key

    try:
        data, st = _read(path)
    except SourceError as exc:
        return FileResult(path, error=str(exc)), None, None
    digest = content_digest(data)
    if digest == expected:
        return None, stat_key(st), digest
    return _lint_data(path, data, settings, False), stat_key(st), digest


def _do(job: Job, settings: Settings, fix: bool) -> Any:
    if isinstance(job, str):
        return lint_file(job, settings, fix)
    return _check(job[0], settings, job[1])


_worker_settings: Settings | None = None
_worker_fix = False


def _init_worker(settings: Settings, fix: bool) -> None:
    global _worker_settings, _worker_fix
    _worker_settings, _worker_fix = settings, fix


def _lint_chunk(jobs: Sequence[Job]) -> list[Any]:
    assert _worker_settings is not None
    return [_do(job, _worker_settings, _worker_fix) for job in jobs]


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _execute(
    jobs: Sequence[Job], settings: Settings, workers: int | None, fix: bool
) -> Iterator[Any]:
    """``_do`` over ``jobs``, in order, in a process pool when it pays."""
    workers = workers or default_jobs()
    if workers <= 1 or len(jobs) < MIN_FILES_FOR_POOL:
        for job in jobs:
            yield _do(job, settings, fix)
        return
    size = max(1, min(CHUNK_SIZE, len(jobs) // (workers * 4) or 1))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    method = "fork" if sys.platform == "linux" else None
    import multiprocessing  # here: a single-file (pre-commit) run never needs them
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(settings, fix)
    ) as pool:
        for results in pool.map(_lint_chunk, chunks):
            yield from results


def lint_files(
    files: Sequence[str],
    settings: Settings,
    jobs: int | None = None,
    fix: bool = False,
    cache: bool = False,
) -> Iterator[FileResult]:
    """Results in the order of ``files``; memory stays flat (no tree kept alive).

    ``cache`` reads and writes the result cache of ``settings``' project; fix
    runs never use it (their results carry the texts, which it does not keep).
    """
    if fix or not cache:
        yield from _execute(list(files), settings, jobs, fix)
        return
    from .cache import Cache

    store = Cache.load(settings)
    try:
        cached: list[list[Finding] | None] = []
        work: list[Job] = []
        for path in files:
            findings, expected = store.lookup(path)
            cached.append(findings)
            if findings is None:
                work.append((path, expected))
        done = _execute(work, settings, jobs, False)
        for path, findings in zip(files, cached, strict=True):
            if findings is None:
                result, st, digest = next(done)
                if result is None:  # the content had the cached digest
                    findings = store.revalidated(path, st)
                    if findings is None:  # a damaged entry: lint after all
                        result, st, digest = _check(path, settings, None)
                if result is not None:
                    if result.error is None and st is not None and digest is not None:
                        store.store(path, st, digest, result.findings)
                    yield result
                    continue
            yield FileResult(path, findings)
    finally:
        store.save()
