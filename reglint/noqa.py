"""``# noqa`` suppressions, as in ruff and flake8."""

from __future__ import annotations

import re

_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_FILE_NOQA = re.compile(r"#\s*reglint\s*:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?\s*$",
                        re.IGNORECASE | re.MULTILINE)
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
