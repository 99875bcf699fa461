"""What the server knows about one published document (a file or a notebook cell)."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from ..config import Settings
from ..findings import Finding
from .convert import Text


@dataclass(frozen=True)
class DocumentState:
    """The findings of one version of a document, with their diagnostics (same order)."""

    uri: str
    version: int | None
    text: Text
    findings: list[Finding]
    diagnostics: list[types.Diagnostic]
    path: str  # what the engine was told (a file path, or the URI of an unsaved buffer)
    settings: Settings
    fixable: bool  # a Python file (notebooks get no fixes from the engine)

    def at(self, where: types.Range) -> list[tuple[Finding, types.Diagnostic]]:
        """The findings whose range touches ``where``."""
        return [
            (finding, diag)
            for finding, diag in zip(self.findings, self.diagnostics, strict=True)
            if _key(diag.range.start) <= _key(where.end)
            and _key(where.start) <= _key(diag.range.end)
        ]


def _key(position: types.Position) -> tuple[int, int]:
    return position.line, position.character
