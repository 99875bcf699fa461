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


def render(findings: Sequence[Finding], unsafe_fixes: bool = False) -> str:
    """``path:row:col: CODE [*] message``; ``[*]`` marks what ``--fix`` would fix
    (with ``unsafe_fixes``, unsafe fixes too), as in ruff."""
    return "".join(
        f"{where(f)}: {f.code} {'[*] ' if is_fixable(f, unsafe_fixes) else ''}"
        f"{printable(f.message)}\n" + notes(f)
        for f in findings
    )


def notes(finding: Finding) -> str:
    """``path:row:col: note: message`` for each related location (a helper's layer)."""
    return "".join(
        f"{printable(name)}:{loc.row}:{loc.column}: note: {printable(message)}\n"
        for name, loc, message in finding.related
    )


def stream(chunks: Iterable[Sequence[Finding]], unsafe_fixes: bool = False) -> Iterator[str]:
    return (render(chunk, unsafe_fixes) for chunk in chunks)


def is_fixable(finding: Finding, unsafe_fixes: bool = False) -> bool:
    fix = finding.fix
    return fix is not None and (fix.applicability == "safe" or unsafe_fixes)


class Tally:
    """Counts of the findings that went by, for the summary and --statistics."""

    def __init__(self, unsafe_fixes: bool = False) -> None:
        self.unsafe_fixes = unsafe_fixes
        self.by_code: Counter[str] = Counter()
        self.fixable_by_code: Counter[str] = Counter()
        self.hidden = 0  # unsafe fixes --fix does not apply without --unsafe-fixes

    def counting(self, chunks: Iterable[Sequence[Finding]]) -> Iterator[Sequence[Finding]]:
        for chunk in chunks:
            for f in chunk:
                self.by_code[f.code] += 1
                if is_fixable(f, self.unsafe_fixes):
                    self.fixable_by_code[f.code] += 1
                elif f.fix is not None:
                    self.hidden += 1
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
        fixable = tally.fixable if fix_hint else 0
        hidden = ""
        if tally.hidden:
            n = tally.hidden
            hidden = (
                f"{n} hidden fix{'es' if n != 1 else ''} can be enabled with the "
                "`--unsafe-fixes` option"
            )
        if fixable and hidden:
            lines.append(f"[*] {fixable} fixable with the `--fix` option ({hidden}).")
        elif fixable:
            lines.append(f"[*] {fixable} fixable with the `--fix` option.")
        elif hidden:
            lines.append(f"No fixes available ({hidden}).")
    elif fixed:
        lines.append(
            f"Found {fixed} error{'s' if fixed != 1 else ''} ({fixed} fixed, 0 remaining)."
        )
    else:
        lines.append("All checks passed!")
    return "\n".join(lines) + "\n"


def fixes_applied(fixed: Sequence[tuple[str, Sequence[Finding]]], names: dict[str, str]) -> str:
    """``--show-fixes``: what ``--fix`` changed, per file and rule, as ruff lists it."""
    total = sum(len(found) for _, found in fixed)
    if not total:
        return ""
    lines = [f"Fixed {total} error{'s' if total != 1 else ''}:"]
    for path, found in fixed:
        if not found:
            continue
        lines.append(f"- {printable(path)}:")
        for code, count in sorted(Counter(f.code for f in found).items()):
            lines.append(f"    {count} \u00d7 {code} ({names.get(code, '')})")
    return "\n".join(lines) + "\n"


def statistics(tally: Tally, names: dict[str, str]) -> str:
    counts, fixable = tally.by_code, tally.fixable_by_code
    width = max((len(str(c)) for c in counts.values()), default=1)
    return "".join(
        f"{count:>{width}}\t{code}\t{'[*] ' if fixable[code] else ''}{names.get(code, '')}\n"
        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
