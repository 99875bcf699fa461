"""``reglint audit -j N``: audit artifacts in a pool of worker processes.

Each worker is a fresh interpreter (``python -m reglint.audit.parallel``, never a
fork: TensorFlow is not fork-safe once imported) that imports Keras and the
``--import`` modules once, then audits one path per request. The parent sends
the options, then one JSON line per path; the worker answers each with one
``MARKER`` line holding the report as a plain dict (:meth:`AuditReport.to_dict`)
on a private copy of its stdout (user code printing goes to stderr).

A worker that dies costs only the model it was auditing ("audit crashed
(signal N)"); the next model starts a new worker. tf_keras artifacts go to
their own worker(s) with ``TF_USE_LEGACY_KERAS=1``. Ctrl-C kills the workers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import IO, Any

from ..catalog import LEGACY_KERAS_ENV, uses_legacy_keras
from .policy import AuditOptions
from .report import AuditReport
from .worker import MARKER

#: How often the parent wakes up while it waits (so Ctrl-C is handled at once).
POLL_SECONDS = 0.2
#: How long a worker may take to exit once it has no more work (or its pipe closed).
EXIT_SECONDS = 30


class _Worker:
    """One worker process of one kind (Keras 3, or tf_keras with ``TF_USE_LEGACY_KERAS=1``)."""

    def __init__(self, legacy: bool, options: AuditOptions, verbose: bool) -> None:
        env = dict(os.environ)
        if legacy:
            env[LEGACY_KERAS_ENV] = "1"
        if not verbose:
            env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reglint.audit.parallel"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self._send({"options": options.to_dict(), "verbose": verbose})

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def audit(self, path: str) -> AuditReport | None:
        """The worker's report on ``path``, or None when the worker died."""
        assert self.proc.stdout is not None
        try:
            self._send({"path": path})
        except (BrokenPipeError, OSError):
            return None
        for line in self.proc.stdout:
            if line.startswith(MARKER):
                try:
                    return AuditReport.from_dict(json.loads(line[len(MARKER) :]))
                except (ValueError, TypeError, KeyError, AttributeError) as e:
                    return AuditReport(path, "unknown", error=f"unreadable worker reply: {e}")
        return None

    def death(self) -> str:
        """The one-line error of a model whose worker died while auditing it."""
        try:
            code = self.proc.wait(timeout=EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        if code is not None and code < 0:
            return f"audit crashed (signal {-code})"
        return f"audit crashed (worker exit code {code})"

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=EXIT_SECONDS)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class _Pool:
    """Worker threads, each driving one worker process over a shared queue of one kind."""

    def __init__(
        self,
        options: AuditOptions,
        total: int,
        progress: Callable[[int, int, str], None] | None,
    ) -> None:
        from .loading import is_verbose

        self.options, self.total, self.progress = options, total, progress
        self.verbose = is_verbose()
        self.lock = threading.Lock()
        self.started = 0
        self.stopping = False
        self.reports: dict[int, AuditReport] = {}
        self.workers: list[_Worker] = []

    def announce(self, path: str) -> None:
        with self.lock:
            self.started += 1
            if self.progress is not None:
                self.progress(self.started, self.total, path)

    def run(self, queue: deque[tuple[int, str]], legacy: bool) -> None:
        worker: _Worker | None = None
        try:
            while not self.stopping:
                with self.lock:
                    if not queue:
                        break
                    index, path = queue.popleft()
                self.announce(path)
                if worker is None:
                    worker = self._start(legacy)
                report = worker.audit(path) if worker is not None else None
                if self.stopping:
                    return
                if report is None:
                    error = worker.death() if worker is not None else "cannot start a worker"
                    report = AuditReport(path, "unknown", error=error)
                    worker = None
                self.reports[index] = report
        finally:
            if worker is not None:
                worker.close()

    def _start(self, legacy: bool) -> _Worker | None:
        with self.lock:
            if self.stopping:
                return None
            try:
                worker = _Worker(legacy, self.options, self.verbose)
            except OSError:
                return None
            self.workers.append(worker)
            return worker

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            workers = list(self.workers)
        for w in workers:
            w.kill()


def audit_in_pool(
    paths: Sequence[str | os.PathLike[str]],
    stored: dict[int, Any],
    legacy: set[int],
    options: AuditOptions,
    jobs: int,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[AuditReport]:
    """Audit ``stored`` (index -> StoredModel, or the AuditReport of an unreadable one).

    Up to ``jobs`` workers audit the Keras 3 artifacts; the ``legacy`` indices
    (tf_keras) go to tf_keras workers, one of the ``jobs`` slots when there are
    both kinds. The reports come back in the order of ``paths``.
    """
    from .api import audit_stored
    from .backend import backend_refusal

    pool = _Pool(options, len(paths), progress)
    modern: deque[tuple[int, str]] = deque()
    old: deque[tuple[int, str]] = deque()
    for i in range(len(paths)):
        s = stored[i]
        if isinstance(s, AuditReport):
            pool.announce(str(paths[i]))
            pool.reports[i] = s
        elif backend_refusal(s) is not None:
            pool.announce(str(paths[i]))
            pool.reports[i] = audit_stored(s, options)  # an error, without TensorFlow
        else:
            (old if i in legacy else modern).append((i, s.path))
    slots = max(1, jobs - 1) if old and modern else jobs
    threads = [
        threading.Thread(target=pool.run, args=(modern, False), daemon=True)
        for _ in range(min(slots, len(modern)))
    ]
    threads += [
        threading.Thread(target=pool.run, args=(old, True), daemon=True)
        for _ in range(min(max(1, jobs - len(threads)), len(old)))
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(POLL_SECONDS)
    except BaseException:
        pool.stop()
        raise
    return [
        pool.reports.get(i) or AuditReport(str(p), "unknown", error="not audited")
        for i, p in enumerate(paths)
    ]


def _serve(requests: IO[str], replies: IO[str]) -> None:
    from .api import audit_stored
    from .loading import keras_module, one_line, set_verbose
    from .stored_config import KERAS2, KERAS3, ArtifactError, read_stored_model

    first = json.loads(requests.readline() or "{}")
    options = AuditOptions.from_dict(first.get("options", {}))
    set_verbose(bool(first.get("verbose")))
    try:  # warm up while the parent sends the first path; failures show per model
        keras_module(KERAS2 if uses_legacy_keras(os.environ) else KERAS3)
        if options.imports:
            from .imports import import_user_code

            import_user_code(options.imports, options.import_root)
    except Exception:
        pass
    for line in requests:
        path = json.loads(line)["path"]
        try:
            report = audit_stored(read_stored_model(path), options)
        except ArtifactError as e:
            report = AuditReport(path, "unknown", error=str(e))
        except Exception as e:
            report = AuditReport(path, "unknown", error=f"audit failed: {one_line(e)}")
        replies.write(MARKER + json.dumps(report.to_dict()) + "\n")
        replies.flush()


def main() -> None:
    """The worker: Ctrl-C is the parent's to handle; fd 1 becomes stderr for user output."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    try:
        _serve(sys.stdin, replies)
    except BaseException:  # the parent reports the lost model; no traceback here
        os._exit(3)


if __name__ == "__main__":
    main()
