"""Between reglint's positions and LSP's.

reglint counts 1-based rows and 1-based columns in characters (code points);
LSP counts 0-based lines and columns in the code units the client and server
agreed on at ``initialize``: UTF-16 unless the client offered UTF-8 or UTF-32.
Lines end at ``\\r\\n``, ``\\r`` or ``\\n`` in both (not at the other breaks
``str.splitlines`` knows).
"""

from __future__ import annotations

import bisect
import re

from lsprotocol import types

from ..findings import Finding, Location
from ..ruledocs import DOCS_URL

_NEWLINE = re.compile(r"\r\n|\r|\n")
SOURCE = "reglint"


def units(text: str, encoding: str) -> int:
    """The length of ``text`` in the code units of ``encoding``."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class Text:
    """A document's text, to convert positions in the negotiated encoding."""

    def __init__(self, source: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.source = source
        self.encoding = encoding
        self.starts = [0, *(m.end() for m in _NEWLINE.finditer(source))]
        self.lines = _NEWLINE.split(source)

    def position(self, location: Location) -> types.Position:
        """reglint's 1-based row and character column as an LSP position
        (clamped to the document)."""
        line = location.row - 1
        if line >= len(self.lines):
            return self.end()
        text = self.lines[max(line, 0)]
        column = min(max(location.column - 1, 0), len(text))
        return types.Position(max(line, 0), units(text[:column], self.encoding))

    def range(self, start: Location, end: Location) -> types.Range:
        return types.Range(self.position(start), self.position(end))

    def end(self) -> types.Position:
        last = self.lines[-1]
        return types.Position(len(self.lines) - 1, units(last, self.encoding))

    def location(self, position: types.Position) -> Location:
        """An LSP position as reglint's 1-based row and character column; a
        position inside a surrogate pair or a UTF-8 sequence counts as its character."""
        if position.line >= len(self.lines):
            last = len(self.lines)
            return Location(last, len(self.lines[-1]) + 1)
        text = self.lines[position.line]
        if self.encoding == types.PositionEncodingKind.Utf32:
            return Location(position.line + 1, min(position.character, len(text)) + 1)
        seen = 0
        for index, char in enumerate(text):
            if seen >= position.character:
                return Location(position.line + 1, index + 1)
            seen += units(char, self.encoding)
        return Location(position.line + 1, len(text) + 1)

    def at_offset(self, offset: int) -> types.Position:
        """The LSP position of character ``offset``."""
        line = bisect.bisect_right(self.starts, offset) - 1
        column = offset - self.starts[line]
        return types.Position(line, units(self.lines[line][:column], self.encoding))


def diagnostic(finding: Finding, text: Text) -> types.Diagnostic:
    severity = (
        types.DiagnosticSeverity.Error
        if finding.code == "RL000"
        else types.DiagnosticSeverity.Warning
    )
    return types.Diagnostic(
        range=text.range(finding.location, finding.end_location),
        message=finding.message,
        severity=severity,
        code=finding.code,
        code_description=types.CodeDescription(href=DOCS_URL.format(code=finding.code)),
        source=SOURCE,
    )


def replacement(old: Text, new: str) -> types.TextEdit | None:
    """One edit turning ``old`` into ``new``: the changed lines only, None if equal."""
    if old.source == new:
        return None
    new_lines = lines_keepends(new)
    old_lines = lines_keepends(old.source)
    prefix = 0
    while prefix < min(len(old_lines), len(new_lines)) and old_lines[prefix] == new_lines[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(old_lines), len(new_lines)) - prefix
        and old_lines[-1 - suffix] == new_lines[-1 - suffix]
    ):
        suffix += 1
    start = sum(len(line) for line in old_lines[:prefix])
    end = len(old.source) - sum(len(line) for line in old_lines[len(old_lines) - suffix :])
    middle = "".join(new_lines[prefix : len(new_lines) - suffix])
    return types.TextEdit(types.Range(old.at_offset(start), old.at_offset(end)), middle)


def lines_keepends(source: str) -> list[str]:
    """Lines with their ``\\r\\n``/``\\r``/``\\n`` ends (only those)."""
    parts = _NEWLINE.split(source)
    ends = [m.group() for m in _NEWLINE.finditer(source)]
    lines = [part + end for part, end in zip(parts, [*ends, ""], strict=True)]
    return lines if lines[-1] else lines[:-1]
