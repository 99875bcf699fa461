"""Editor buffers split into lines the way LSP splits them.

pygls applies incremental changes to lines from ``str.splitlines``, which also
breaks at ``\\f``, ``\\v``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028 and U+2029;
LSP (and Python) break only at ``\\r\\n``, ``\\r`` and ``\\n``, so an edit
below such a character would land on the wrong line.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from .convert import lines_keepends


class LspTextDocument(TextDocument):
    @property
    def lines(self) -> Sequence[str]:
        return tuple(lines_keepends(self.source))


def use_lsp_lines(workspace: Workspace) -> None:
    """Make ``workspace`` create :class:`LspTextDocument` buffers (call before any opens)."""

    def create(
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=types.TextDocumentSyncKind.Incremental,
            position_codec=workspace.position_codec,
        )

    workspace._create_text_document = create  # type: ignore[method-assign]
