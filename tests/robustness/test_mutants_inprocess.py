"""The mutation corpus through the linter in this process: reading, linting and
fixing never raise, a fixed file is fixed (a second pass changes nothing), a
fix never breaks a file that compiled, and a file that cannot be read gets a
one-line reason."""

from __future__ import annotations

import ast
import re
import time
import traceback
import warnings
from pathlib import Path

import pytest

from reglint.config import Settings
from reglint.fixes import fix_source
from reglint.runner import lint_file

from . import DEFAULT_MUTANTS, SLOW_MUTANTS
from .mutants import SEED, Mutant, mutant

CHUNK = 50
#: A mutant that takes longer than this in-process is reported (a near-hang).
SLOW_SECONDS = 10.0
_CODE = re.compile(r"RL\d{3}")


def compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<mutant>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def problems_of(m: Mutant, path: Path, settings: Settings) -> list[str]:
    """What is wrong with how reglint handles mutant ``m`` (written at ``path``)."""
    path.write_bytes(m.data)
    started = time.monotonic()
    try:
        result = lint_file(str(path), settings, fix=True)
        if result.error is not None:
            if "\n" in result.error or not result.error.strip():
                return [f"error message is not one line: {result.error!r}"]
            return []
        found = []
        for f in result.findings:
            if not _CODE.fullmatch(f.code) or f.location.row < 1 or f.location.column < 1:
                found.append(f"bad finding {f.code} at {f.location}")
        fixed = result.fixed_source
        if fixed is not None:
            again, applied = fix_source(fixed, str(path), settings)
            if applied or again != fixed:
                codes = sorted({f.code for f in applied})
                found.append(f"fix not idempotent: a second pass fixed {codes} again")
            if compiles(result.source or "") and not compiles(fixed):
                found.append("a fix broke a file that compiled")
        if path.read_bytes() != m.data:
            found.append("the file was changed by linting")
    except Exception as exc:  # a failure to report, not to stop at: the others still run
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        return [f"raised {type(exc).__name__}: {str(exc)[:200]} (at {where})"]
    elapsed = time.monotonic() - started
    if elapsed > SLOW_SECONDS:
        found.append(f"took {elapsed:.1f} s")
    return found


def check_range(tmp_path: Path, start: int, stop: int) -> None:
    settings = Settings()
    failures = []
    for index in range(start, stop):
        m = mutant(SEED, index)
        path = tmp_path / m.name
        for problem in problems_of(m, path, settings):
            failures.append(f"{problem}\n    {m.reproducer(path)}")
    assert not failures, f"{len(failures)} of {stop - start} mutants failed:\n" + "\n".join(
        failures
    )


def _chunks(start: int, stop: int) -> list[tuple[int, int]]:
    return [(a, min(a + CHUNK, stop)) for a in range(start, stop, CHUNK)]


@pytest.mark.parametrize(("start", "stop"), _chunks(0, DEFAULT_MUTANTS))
def test_mutants_in_process(tmp_path, start, stop):
    check_range(tmp_path, start, stop)


@pytest.mark.slow
@pytest.mark.parametrize(("start", "stop"), _chunks(DEFAULT_MUTANTS, SLOW_MUTANTS))
def test_more_mutants_in_process(tmp_path, start, stop):
    check_range(tmp_path, start, stop)
