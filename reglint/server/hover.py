"""Hover on a finding: its message and the rule's document."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from .. import ruledocs
from ..findings import Finding


def hover(findings: Sequence[Finding], where: types.Range) -> types.Hover | None:
    if not findings:
        return None
    parts = []
    for code in dict.fromkeys(f.code for f in findings):
        messages = "\n".join(f"- {f.message}" for f in findings if f.code == code)
        doc = ruledocs.load(code)
        body = doc.text.strip() if doc is not None else f"# {code}"
        parts.append(f"{messages}\n\n{body}")
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)
        ),
        range=where,
    )
