from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ..findings import Finding


def where(finding: Finding) -> str:
    """``path:row:col`` or, in a notebook, ``path:cell N:row:col`` (N from 1)."""
    if finding.cell is not None and finding.cell_location is not None:
        loc = finding.cell_location
        return f"{finding.filename}:cell {finding.cell + 1}:{loc.row}:{loc.column}"
    return f"{finding.filename}:{finding.location.row}:{finding.location.column}"


def render(findings: Sequence[Finding]) -> str:
    return "".join(f"{where(f)}: {f.code} {f.message}\n" for f in findings)


def summary(findings: Sequence[Finding], fixed: int = 0, fix_hint: bool = True) -> str:
    lines = []
    if findings:
        n = len(findings)
        total = n + fixed  # as ruff: "Found 2 errors (1 fixed, 1 remaining)."
        lines.append(
            f"Found {total} error{'s' if total != 1 else ''}"
            + (f" ({fixed} fixed, {n} remaining)." if fixed else ".")
        )
        fixable = sum(1 for f in findings if f.fix and f.fix.applicability == "safe")
        if fixable and fix_hint:
            lines.append(f"[*] {fixable} fixable with the `--fix` option.")
    elif fixed:
        lines.append(
            f"Found {fixed} error{'s' if fixed != 1 else ''} ({fixed} fixed, 0 remaining)."
        )
    else:
        lines.append("All checks passed!")
    return "\n".join(lines) + "\n"


def statistics(findings: Sequence[Finding], names: dict[str, str]) -> str:
    counts = Counter(f.code for f in findings)
    fixable = Counter(f.code for f in findings if f.fix and f.fix.applicability == "safe")
    width = max((len(str(c)) for c in counts.values()), default=1)
    return "".join(
        f"{count:>{width}}\t{code}\t{'[*] ' if fixable[code] else ''}{names.get(code, '')}\n"
        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
