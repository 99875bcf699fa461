"""GitHub Actions workflow commands: one ``::error`` annotation per finding."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from ..findings import Finding
from . import printable


def _escape_data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        props = (
            f"file={_escape_property(f.filename)},line={f.location.row},"
            f"col={f.location.column},endLine={f.end_location.row},"
            f"endColumn={f.end_location.column},title={f.code}"
        )
        where = f"cell {f.cell + 1}: " if f.cell is not None else ""
        lines.append(f"::error {props}::{_escape_data(where + f.code + ' ' + f.message)}\n")
    return "".join(lines)


def stream(chunks: Iterable[Sequence[Finding]]) -> Iterator[str]:
    return (render(chunk) for chunk in chunks)
