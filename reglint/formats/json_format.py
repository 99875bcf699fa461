"""ruff's JSON shape: an array of findings with ruff's field names."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..findings import Finding, Fix, Location
from ..ruledocs import DOCS_URL


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
        "message": finding.message,
        "filename": finding.filename,
        "location": _loc(finding.location),
        "end_location": _loc(finding.end_location),
        "fix": _fix(finding.fix),
        "url": DOCS_URL.format(code=finding.code),
    }


def render(findings: Sequence[Finding]) -> str:
    return json.dumps([as_dict(f) for f in findings], indent=2) + "\n"
