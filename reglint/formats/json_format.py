"""ruff's JSON shape: an array of findings with ruff's field names."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..findings import Finding, Fix, Location
from ..ruledocs import DOCS_URL
from . import printable


def _loc(loc: Location) -> dict[str, int]:
    return {"row": loc.row, "column": loc.column}


def _fix(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": [
            {
                "content": e.content,
                "location": _loc(e.location),
                "end_location": _loc(e.end_location),
            }
            for e in fix.edits
        ],
    }


def as_dict(finding: Finding) -> dict[str, Any]:
    return {
        "cell": None if finding.cell is None else finding.cell + 1,  # 1-based, as ruff
        "code": finding.code,
        "message": printable(finding.message),
        "filename": printable(finding.filename),
        "location": _loc(finding.location),
        "end_location": _loc(finding.end_location),
        "fix": _fix(finding.fix),
        "url": DOCS_URL.format(code=finding.code),
        "related": [
            {"filename": printable(name), "location": _loc(loc), "message": printable(message)}
            for name, loc, message in finding.related
        ],
    }


def render(findings: Sequence[Finding]) -> str:
    return json.dumps([as_dict(f) for f in findings], indent=2) + "\n"


def stream(chunks: Iterable[Sequence[Finding]]) -> Iterator[str]:
    """The same text as :func:`render`, one file's findings at a time."""
    first = True
    for chunk in chunks:
        for finding in chunk:
            item = textwrap.indent(json.dumps(as_dict(finding), indent=2), "  ")
            yield ("[\n" if first else ",\n") + item
            first = False
    yield "[]\n" if first else "\n]\n"
