"""Applying the fixes rules offer: text edits, non-overlapping; safe ones, and
unsafe ones too when asked (``--unsafe-fixes``), as in ruff."""

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


def applicable(finding: Finding, unsafe: bool = False) -> bool:
    """Whether ``--fix`` applies the finding's fix (unsafe ones only with ``unsafe``)."""
    fix = finding.fix
    return fix is not None and (fix.applicability == "safe" or unsafe)


def apply_edits(
    source: str, findings: Sequence[Finding], unsafe: bool = False
) -> tuple[str, list[Finding]]:
    """Apply the applicable fixes of ``findings`` whose edits do not overlap.

    Returns the new text and the findings whose fix was applied. Edits of one
    fix are applied together or not at all; the same edit made by several
    fixes (an import added, or the same import line extended) is made once.
    """
    starts = _offsets(source)
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    made: set[tuple[int, int, str]] = set()
    applied: list[Finding] = []
    for finding in sorted(findings, key=Finding.sort_key):
        fix = finding.fix
        if fix is None or not applicable(finding, unsafe):
            continue
        spans = [
            (_offset(starts, e.location), _offset(starts, e.end_location), e.content)
            for e in fix.edits
        ]
        replacing = [(a, b) for a, b, c in spans if a != b and (a, b, c) not in made]
        if any(a < tb and ta < b for a, b in replacing for ta, tb in taken):
            continue
        for a, b, content in spans:
            if (a, b, content) in made:
                continue
            made.add((a, b, content))
            if a != b:
                taken.append((a, b))
            chosen.append((a, b, content))
        applied.append(finding)
    out = source
    for a, b, content in sorted(chosen, key=lambda s: (s[0], s[1]), reverse=True):
        out = out[:a] + content + out[b:]
    return out, applied


def fix_source(source: str, path: str, settings: Settings) -> tuple[str, list[Finding]]:
    """Apply fixes until none is left; returns the text and what was fixed.

    Unsafe fixes are applied only when ``settings`` say ``unsafe-fixes``.

    A round of edits that would turn code Python compiles into code it does not
    is dropped whole: a fix never breaks a file, whatever positions it was given.
    """
    from .engine import lint_source
    from .source import python_dump

    fixed: list[Finding] = []
    compiles = python_dump(source) is not None
    unsafe = bool(settings.options.get("unsafe-fixes"))
    for _ in range(MAX_ROUNDS):
        findings = lint_source(source, path, settings)
        new, applied = apply_edits(source, findings, unsafe)
        if not applied or new == source or (compiles and python_dump(new) is None):
            break
        source = new
        fixed.extend(applied)
    return source, fixed
