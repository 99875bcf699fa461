"""Applying the fixes rules offer: text edits, non-overlapping, safe only."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .config import Settings
from .findings import Finding, Location

_LINE_START = re.compile(r"\r\n|\r|\n")
MAX_ROUNDS = 10


def _offsets(source: str) -> list[int]:
    return [0, *(m.end() for m in _LINE_START.finditer(source))]


def _offset(starts: list[int], loc: Location) -> int:
    return starts[min(loc.row, len(starts)) - 1] + loc.column - 1


def apply_edits(source: str, findings: Sequence[Finding]) -> tuple[str, list[Finding]]:
    """Apply the safe fixes of ``findings`` whose edits do not overlap.

    Returns the new text and the findings whose fix was applied. Edits of one
    fix are applied together or not at all; insertions at the same point (the
    same import added by several fixes) are deduplicated.
    """
    starts = _offsets(source)
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    inserted: set[tuple[int, str]] = set()
    applied: list[Finding] = []
    for finding in sorted(findings, key=Finding.sort_key):
        fix = finding.fix
        if fix is None or fix.applicability != "safe":
            continue
        spans = [
            (_offset(starts, e.location), _offset(starts, e.end_location), e.content)
            for e in fix.edits
        ]
        replacing = [(a, b) for a, b, _ in spans if a != b]
        if any(a < tb and ta < b for a, b in replacing for ta, tb in taken):
            continue
        for a, b, content in spans:
            if a == b:
                if (a, content) in inserted:
                    continue
                inserted.add((a, content))
            else:
                taken.append((a, b))
            chosen.append((a, b, content))
        applied.append(finding)
    out = source
    for a, b, content in sorted(chosen, key=lambda s: (s[0], s[1]), reverse=True):
        out = out[:a] + content + out[b:]
    return out, applied


def fix_source(source: str, path: str, settings: Settings) -> tuple[str, list[Finding]]:
    """Apply safe fixes until none is left; returns the text and what was fixed.

    A round of edits that would turn code Python compiles into code it does not
    is dropped whole: a fix never breaks a file, whatever positions it was given.
    """
    from .engine import lint_source

    fixed: list[Finding] = []
    compiles = _compiles(source)
    for _ in range(MAX_ROUNDS):
        findings = lint_source(source, path, settings)
        new, applied = apply_edits(source, findings)
        if not applied or new == source or (compiles and not _compiles(new)):
            break
        source = new
        fixed.extend(applied)
    return source, fixed


def _compiles(source: str) -> bool:
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<fix>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
