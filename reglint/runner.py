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
from .project_index import in_one_run
from .source import SourceError, decode_source, read_bytes

if TYPE_CHECKING:
    from .cache import StatKey

#: Below this many files a pool costs more than it saves.
MIN_FILES_FOR_POOL = 16
#: Workers take the files (sorted by path) in contiguous runs, this many per
#: worker: neighbouring files import the same modules, and the project index
#: (one per process) then summarizes each of them in fewer workers (keras/src:
#: 8.4 s of CPU in 6 runs against 9.7 s in runs of 32 files); three per
#: worker keep the load balanced.
CHUNKS_PER_WORKER = 3


@dataclass
class FileResult:
    """One file's outcome. ``error`` is set when it could not be read."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    source: str | None = None  # the text as read, when fixing
    fixed_source: str | None = None  # the text after fixes, when fixing and changed
    fixed: list[Finding] = field(default_factory=list)
    #: path -> content digest of the project modules the findings depend on.
    depends: dict[str, str] = field(default_factory=dict)


def lint_file(path: str, settings: Settings, fix: bool = False) -> FileResult:
    try:
        data, _ = _read(path)
    except SourceError as exc:
        return FileResult(path, error=str(exc))
    return _lint_data(path, data, settings, fix)


def _read(path: str) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its stat, taken *before* reading (see reglint.cache).

    Only regular files are read, notebooks with the same size limit as sources.
    """
    return read_bytes(path)


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
    from .project_index import recording

    with recording() as depends:
        result = _lint_data(path, data, settings, False)
    depends.pop(os.path.abspath(path), None)
    result.depends = depends
    return result, stat_key(st), digest


def _do(job: Job, settings: Settings, fix: bool) -> Any:
    """One job's answer; a defect met on one file costs only that file."""
    try:
        if isinstance(job, str):
            return lint_file(job, settings, fix)
        return _check(job[0], settings, job[1])
    except Exception as exc:
        if os.environ.get("REGLINT_DEBUG"):
            raise
        path = job if isinstance(job, str) else job[0]
        error = f"analysis failed ({type(exc).__name__}: {exc}); please report it"
        result = FileResult(path, error=" ".join(error.split()))
        return result if isinstance(job, str) else (result, None, None)


_worker_settings: Settings | None = None
_worker_fix = False


def _init_worker(settings: Settings, fix: bool) -> None:
    global _worker_settings, _worker_fix
    _worker_settings, _worker_fix = settings, fix


def _lint_chunk(jobs: Sequence[Job]) -> list[Any]:
    assert _worker_settings is not None
    return [_do_in_worker(job, _worker_settings, _worker_fix) for job in jobs]


#: Test-only: a worker process that is given a file of this name kills itself
#: with SIGSEGV, so that tests can crash a worker for real.
CRASH_TEST_VARIABLE = "REGLINT_TEST_CRASH_FILE"


def _do_in_worker(job: Job, settings: Settings, fix: bool) -> Any:
    crash = os.environ.get(CRASH_TEST_VARIABLE)
    if crash and os.path.basename(job if isinstance(job, str) else job[0]) == crash:
        import signal

        os.kill(os.getpid(), signal.SIGSEGV)
    return _do(job, settings, fix)


def _isolated(job: Job, settings: Settings, fix: bool, context: Any) -> Any:
    """``_do(job)`` in a process of its own: if it dies, only this file's
    result is lost, reported as an error."""
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(writer, job, settings, fix), daemon=True)
    process.start()
    writer.close()
    try:
        result = reader.recv()
    except EOFError:
        result = None
    finally:
        reader.close()
        process.join()
    if result is not None:
        return result
    code = process.exitcode or 0
    reason = f"signal {-code}" if code < 0 else f"exit code {code}"
    path = job if isinstance(job, str) else job[0]
    crashed = FileResult(path, error=f"analysis crashed ({reason})")
    return crashed if isinstance(job, str) else (crashed, None, None)


def _child(writer: Any, job: Job, settings: Settings, fix: bool) -> None:
    writer.send(_do_in_worker(job, settings, fix))
    writer.close()


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
    size = -(-len(jobs) // (workers * CHUNKS_PER_WORKER))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    method = "fork" if sys.platform == "linux" else None
    import multiprocessing  # here: a single-file (pre-commit) run never needs them
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context(method)
    done = 0
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(settings, fix)
    ) as pool:
        try:
            for results in pool.map(_lint_chunk, chunks):
                yield from results
                done += 1
        except BrokenProcessPool:  # a worker died (a signal): which file killed it is unknown
            pass
    # The files not yet answered, each in a process of its own.
    for chunk in chunks[done:]:
        for job in chunk:
            yield _isolated(job, settings, fix, context)


@in_one_run
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
                        store.store(path, st, digest, result.findings, result.depends)
                    yield result
                    continue
            yield FileResult(path, findings)
    finally:
        store.save()
