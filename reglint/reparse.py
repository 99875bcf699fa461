"""Parse a buffer again after an edit, re-parsing only the statements that changed.

The language server lints the same buffer after every keystroke, and libcst's
parse is half of a lint's cost although nearly all of the module is unchanged.
A :class:`ParseMemo` splits the text at its top-level statements (CPython's
tree, which the engine has already built, gives their rows), parses each piece
alone, keeps the pieces by their text, and assembles the module from them: an
edit inside one function re-parses that function.

Positions follow the same split: a reported node is looked for in the pieces
(each knows the ids of its nodes), and only the pieces that hold one are
generated, with rows offset by the piece's first row. A piece's code is its
text exactly, so the rows and columns are those of a whole-module parse.

The assembled module is the one a whole parse builds, up to where comment lines
after an indented block's last statement sit (the block's footer, or the next
statement's leading lines): rules do not read comments from the tree, and the
tests compare the findings of both ways on the fixtures and on generated edits.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

import libcst as cst

from .positions import Span, node_positions
from .walk import node_ids

#: Pieces kept from earlier parses beyond those of the latest one (an undo, a
#: toggled line), so a memo holds about two buffers' worth of trees at most.
_KEEP_PREVIOUS = 1


@dataclass
class _Piece:
    """One top-level statement (with the comment and blank lines above it) parsed alone."""

    module: cst.Module
    ids: frozenset[int]
    spans: dict[int, Span] = field(default_factory=dict)


@dataclass
class Parsed:
    """An assembled module and the positions of its nodes."""

    module: cst.Module
    pieces: list[tuple[int, _Piece]]  # (first row, piece)

    def positions(self, nodes: Iterable[cst.CSTNode]) -> dict[int, Span]:
        """``id(node) -> ((row, col), (end_row, end_col))`` as :func:`node_positions`."""
        wanted: dict[int, list[cst.CSTNode]] = {}
        missing: list[cst.CSTNode] = []
        for node in nodes:
            at = next((i for i, (_, p) in enumerate(self.pieces) if id(node) in p.ids), None)
            if at is None:
                missing.append(node)  # the module itself, or trivia the id sets leave out
            else:
                wanted.setdefault(at, []).append(node)
        found: dict[int, Span] = node_positions(self.module, missing) if missing else {}
        for at, in_piece in wanted.items():
            first_row, piece = self.pieces[at]
            new = [n for n in in_piece if id(n) not in piece.spans]
            if new:
                piece.spans.update(node_positions(piece.module, new))
            for node in in_piece:
                (row, col), (end_row, end_col) = piece.spans[id(node)]
                found[id(node)] = ((row + first_row - 1, col), (end_row + first_row - 1, end_col))
        return found


class ParseMemo:
    """The pieces of one buffer's recent parses, by text."""

    def __init__(self) -> None:
        self._pieces: dict[str, _Piece] = {}
        self._recent: list[set[str]] = []

    def parse(self, text: str, tree: ast.Module) -> Parsed | None:
        """``text`` parsed from its pieces, ``tree`` being CPython's tree of it or
        of the source it is a slice of (same rows); None if it cannot be split
        (libcst then parses it whole and gives the verdict on any error)."""
        if "\r" in text or "\f" in text:
            return None
        chunks = _chunks(text, tree)
        if chunks is None:
            return None
        pieces: list[tuple[int, _Piece]] = []
        used: set[str] = set()
        for first_row, chunk in chunks:
            piece = self._pieces.get(chunk)
            if piece is None:
                try:
                    piece = _parse_piece(chunk, first_row == 1)
                except (cst.ParserSyntaxError, RecursionError):
                    return None
                self._pieces[chunk] = piece
            used.add(chunk)
            pieces.append((first_row, piece))
        self._recent = [*self._recent[-_KEEP_PREVIOUS:], used]
        keep = set().union(*self._recent)
        for chunk in [c for c in self._pieces if c not in keep]:
            del self._pieces[chunk]
        return Parsed(_assemble([p for _, p in pieces]), pieces)


def _parse_piece(chunk: str, first: bool) -> _Piece:
    module = cst.parse_module(chunk)
    if module.header and not first and module.body:
        # In the whole module, the lines above a statement are its leading lines.
        head, *rest = module.body
        head = head.with_changes(leading_lines=(*module.header, *head.leading_lines))
        module = module.with_changes(header=(), body=(head, *rest))
    return _Piece(module, frozenset(node_ids(module)))


def _assemble(pieces: list[_Piece]) -> cst.Module:
    first, last = pieces[0].module, pieces[-1].module
    indent = next((p.module.default_indent for p in pieces if _indents(p.module)), "    ")
    return cst.Module(
        body=tuple(s for p in pieces for s in p.module.body),
        header=first.header,
        footer=last.footer if len(pieces) > 1 or last.body else (),
        encoding=first.encoding,
        default_indent=indent,
        default_newline=first.default_newline,
        has_trailing_newline=last.has_trailing_newline,
    )


def _indents(module: cst.Module) -> bool:
    """Does the piece hold an indented block (so libcst read its indent off it)?"""
    return any(isinstance(getattr(s, "body", None), cst.IndentedBlock) for s in module.body)


def _chunks(text: str, tree: ast.Module) -> list[tuple[int, str]] | None:
    """``(first row, text)`` per top-level statement, the lines above it included;
    the lines after the last statement go with it. Blank pieces (a definition a
    slice dropped) join the next piece."""
    lines = text.split("\n")
    ends: list[int] = []
    for stmt in tree.body:
        decorators = getattr(stmt, "decorator_list", ())
        start = min([stmt.lineno, *(d.lineno for d in decorators)])
        end = stmt.end_lineno or stmt.lineno
        if ends and start <= ends[-1]:  # ``a = 1; b = 2``: one line, one libcst statement
            ends[-1] = max(ends[-1], end)
        else:
            ends.append(end)
    if not ends or ends[-1] > len(lines):
        return None
    ends[-1] = len(lines)
    chunks: list[tuple[int, str]] = []
    start = 1
    for end in ends:
        chunk = "\n".join(lines[start - 1 : end])
        if end < len(lines):
            chunk += "\n"
        if chunk.strip():
            chunks.append((start, chunk))
            start = end + 1
    if start <= len(lines) and chunks:  # trailing blank lines after the slice's last piece
        first_row, last = chunks[-1]
        chunks[-1] = (first_row, last + "\n".join(lines[start - 1 :]))
    return chunks or None
