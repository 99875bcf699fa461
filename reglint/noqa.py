"""``# noqa`` suppressions, as in ruff and flake8."""

from __future__ import annotations

import re

_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_FILE_NOQA = re.compile(
    r"#\s*reglint\s*:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_SPLIT = re.compile(r"[\s,]+")

ALL = frozenset({"*"})


def parse_codes(match: re.Match[str] | None) -> frozenset[str] | None:
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return ALL
    return frozenset(c.upper() for c in _SPLIT.split(codes.strip()) if c)


def line_suppressions(line: str) -> frozenset[str] | None:
    """The codes a line's ``# noqa`` suppresses (``ALL`` for a bare one), or None."""
    if "noqa" not in line and "NOQA" not in line:
        return None
    return parse_codes(_NOQA.search(line))


def file_suppressions(source: str) -> frozenset[str] | None:
    """Codes suppressed for the whole file by ``# reglint: noqa[: CODES]``."""
    if "reglint" not in source:
        return None
    found: set[str] = set()
    for match in _FILE_NOQA.finditer(source):
        codes = parse_codes(match)
        if codes == ALL:
            return ALL
        found |= codes or set()
    return frozenset(found) or None


def is_suppressed(code: str, codes: frozenset[str] | None) -> bool:
    return codes is not None and (codes == ALL or code in codes)


_LINE_SPLIT = re.compile(r"(\r\n|\r|\n)")


def add_noqa(source: str, findings_by_row: dict[int, set[str]]) -> tuple[str, int]:
    """Add ``# noqa: CODES`` to each row of ``findings_by_row``.

    Existing comments are kept; an existing ``# noqa: X`` is extended; a bare
    ``# noqa`` already covers everything. A line ending in a backslash
    continuation cannot take a comment and is left alone. Returns the new text
    and the number of lines changed.
    """
    parts = _LINE_SPLIT.split(source)
    lines, seps = parts[0::2], [*parts[1::2], ""]
    changed = 0
    for row, codes in sorted(findings_by_row.items()):
        index = row - 1
        if index >= len(lines):
            continue
        line = lines[index]
        if line.rstrip().endswith("\\"):
            continue
        match = _NOQA.search(line) if "noqa" in line.lower() else None
        existing = parse_codes(match)
        if existing == ALL:
            continue
        if match is not None:
            merged = sorted((existing or set()) | codes)
            new = line[: match.start()] + "# noqa: " + ", ".join(merged) + line[match.end() :]
        else:
            stripped = line.rstrip()
            new = stripped + "  # noqa: " + ", ".join(sorted(codes)) + line[len(stripped) :]
        if new != line:
            lines[index] = new
            changed += 1
    return "".join(line + sep for line, sep in zip(lines, seps, strict=True)), changed
