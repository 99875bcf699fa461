from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from ..findings import Finding
from . import printable


def where(finding: Finding) -> str:
    """``path:row:col`` or, in a notebook, ``path:cell N:row:col`` (N from 1)."""
    if finding.cell is not None and finding.cell_location is not None:
        loc = finding.cell_location
        return f"{printable(finding.filename)}:cell {finding.cell + 1}:{loc.row}:{loc.column}"
    return f"{printable(finding.filename)}:{finding.location.row}:{finding.location.column}"


def render(findings: Sequence[Finding]) -> str:
    return "".join(f"{where(f)}: {f.code} {printable(f.message)}\n" for f in findings)


def stream(chunks: Iterable[Sequence[Finding]]) -> Iterator[str]:
    return (render(chunk) for chunk in chunks)


def is_fixable(finding: Finding) -> bool:
    return finding.fix is not None and finding.fix.applicability == "safe"


class Tally:
    """Counts of the findings that went by, for the summary and --statistics."""

    def __init__(self) -> None:
        self.by_code: Counter[str] = Counter()
        self.fixable_by_code: Counter[str] = Counter()

    def counting(self, chunks: Iterable[Sequence[Finding]]) -> Iterator[Sequence[Finding]]:
        for chunk in chunks:
            for f in chunk:
                self.by_code[f.code] += 1
                if is_fixable(f):
                    self.fixable_by_code[f.code] += 1
            yield chunk

    @property
    def total(self) -> int:
        return sum(self.by_code.values())

    @property
    def fixable(self) -> int:
        return sum(self.fixable_by_code.values())


def summary(tally: Tally, fixed: int = 0, fix_hint: bool = True) -> str:
    lines = []
    if tally.total:
        n = tally.total
        total = n + fixed  # as ruff: "Found 2 errors (1 fixed, 1 remaining)."
        lines.append(
            f"Found {total} error{'s' if total != 1 else ''}"
            + (f" ({fixed} fixed, {n} remaining)." if fixed else ".")
        )
        fixable = tally.fixable
        if fixable and fix_hint:
            lines.append(f"[*] {fixable} fixable with the `--fix` option.")
    elif fixed:
        lines.append(
            f"Found {fixed} error{'s' if fixed != 1 else ''} ({fixed} fixed, 0 remaining)."
        )
    else:
        lines.append("All checks passed!")
    return "\n".join(lines) + "\n"


def statistics(tally: Tally, names: dict[str, str]) -> str:
    counts, fixable = tally.by_code, tally.fixable_by_code
    width = max((len(str(c)) for c in counts.values()), default=1)
    return "".join(
        f"{count:>{width}}\t{code}\t{'[*] ' if fixable[code] else ''}{names.get(code, '')}\n"
        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
