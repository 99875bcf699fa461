"""``# noqa`` suppressions, as in ruff and flake8."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from .findings import Edit, Finding, Fix, Location

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


# --- unused directives (RL011) ----------------------------------------------

UNUSED_NOQA = "RL011"
#: A noqa directive naming one of reglint's codes: only such a file is checked
#: for unused directives (other tools' codes, and blanket directives, are theirs).
_RULE_NOQA = re.compile(r"#\s*noqa\s*:[^\r\n]*?\bRL[0-9]", re.IGNORECASE)
_OWN_CODE = re.compile(r"RL[0-9]+", re.IGNORECASE)


@dataclass
class Suppressions:
    """What the line ``# noqa`` comments of one file suppressed: (row, code).

    ``complete`` is False when the file was not analyzed (it does not parse):
    nothing can then be said about its directives.
    """

    used: set[tuple[int, str]] = field(default_factory=set)
    complete: bool = True


def names_rule_codes(source: str) -> bool:
    return _RULE_NOQA.search(source) is not None


def unused_directives(
    source: str,
    path: str,
    suppressions: Suppressions,
    enabled: Collection[str],
    known: Collection[str],
) -> list[Finding]:
    """RL011 for each ``# noqa: RLnnn`` comment naming a reglint code that
    suppressed nothing on its line, with a safe fix removing those codes (the
    whole directive when no code is left). Other tools' codes are left alone."""
    if not suppressions.complete:
        return []
    findings = []
    for row, column, comment, before in _comments(source):
        match = _NOQA.search(comment)
        if match is None or not match.group("codes"):
            continue
        codes = [c for c in _SPLIT.split(match.group("codes").strip()) if c]
        unused = [
            c for c in codes if _OWN_CODE.fullmatch(c) and (row, c.upper()) not in suppressions.used
        ]
        if not unused:
            continue
        findings.append(
            _unused_finding(
                path, (row, column, before, comment), match, codes, unused, enabled, known
            )
        )
    return findings


def _unused_finding(
    path: str,
    where: tuple[int, int, str, str],
    match: re.Match[str],
    codes: list[str],
    unused: list[str],
    enabled: Collection[str],
    known: Collection[str],
) -> Finding:
    row, column, before, comment = where
    kinds: dict[str, list[str]] = {}
    for code in unused:
        upper = code.upper()
        kind = (
            "unknown" if upper not in known else "non-enabled" if upper not in enabled else "unused"
        )
        kinds.setdefault(kind, []).append(f"`{upper}`")
    detail = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in kinds.items())
    start = Location(row, column + match.start() + 1)
    end = Location(row, column + match.end() + 1)
    remaining = [c for c in codes if c not in unused]
    if remaining:
        a, b = match.span("codes")
        edit = Edit(
            ", ".join(remaining), Location(row, column + a + 1), Location(row, column + b + 1)
        )
        message = f"remove the unused code{'s' if len(unused) > 1 else ''}"
    else:
        edit = _removal(row, column, before, comment, match)
        message = "remove the unused `noqa` directive"
    return Finding(
        UNUSED_NOQA,
        f"unused `noqa` directive ({detail})",
        path,
        start,
        end,
        Fix(message, (edit,), "safe"),
    )


def _removal(row: int, column: int, before: str, comment: str, match: re.Match[str]) -> Edit:
    """The edit deleting a directive from its comment (at ``column`` of a line
    that starts with ``before``) and the blanks before it when nothing follows;
    text that follows stays a comment."""
    rest = comment[match.end() :]
    if rest.strip():
        kept = rest.lstrip()
        start, end = match.start(), len(comment) - len(kept)
        content = "" if kept.startswith("#") or start > 0 else "# "
    else:
        head = comment[: match.start()]
        start = len(head.rstrip()) if head else -(len(before) - len(before.rstrip()))
        end, content = len(comment), ""
    return Edit(content, Location(row, column + start + 1), Location(row, column + end + 1))


def _comments(source: str) -> Iterator[tuple[int, int, str, str]]:
    """(row, column, text, the line before it) of each comment naming a reglint
    code in a ``# noqa``; nothing if the source does not tokenize."""
    import io
    import tokenize

    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and _RULE_NOQA.search(token.string):
                (row, column), line = token.start, token.line
                found.append((row, column, token.string, line[:column]))
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
        return iter(())
    return iter(found)
