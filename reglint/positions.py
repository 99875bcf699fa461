"""Positions of a few nodes, without libcst's ``PositionProvider``.

``PositionProvider`` records a range for every node of the module and costs
about twice the parse. The engine needs the positions of the handful of nodes
that were reported, so it runs one plain code generation that notes token
indices for those nodes only, then turns the indices into rows and columns.
The ranges are the same as ``PositionProvider``'s (syntactic, whitespace
excluded where libcst excludes it).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress

import libcst as cst
from libcst._nodes.internal import CodegenState

_NEWLINE = re.compile(r"\r\n?|\n")

#: A line that is only a continuation: libcst and CPython count it differently.
_LONE_BACKSLASH = re.compile(r"^[ \t]*\\$", re.MULTILINE)
#: ``((row, col), (end_row, end_col))``: 1-based rows, 0-based columns.
Span = tuple[tuple[int, int], tuple[int, int]]
#: What the engine and rules call for positions: :func:`node_positions` of the
#: module, or a :class:`reglint.reparse.Parsed`'s piecewise ``positions``.
Positions = Callable[[Iterable[cst.CSTNode]], dict[int, Span]]


class _Done(Exception):
    """Every target has its span: the rest of the module need not be generated."""


class _MarkingState(CodegenState):
    def __init__(self, module: cst.Module, targets: set[int]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.targets = targets
        self._pending = set(targets)
        self.spans: dict[int, tuple[int, int]] = {}
        self._starts: dict[int, list[int]] = {}

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.targets:
            self._starts.setdefault(id(node), []).append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.targets:
            start = self._starts[key].pop()
            self.spans.setdefault(key, (start, len(self.tokens)))
            self._pending.discard(key)
            if not self._pending:
                raise _Done

    @contextmanager
    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node=None, end_node=None
    ) -> Iterator[None]:
        key = id(node)
        if key not in self.targets:
            yield
            return
        for child in (start_node, end_node):
            if child is not None:
                self.targets.add(id(child))
        start = len(self.tokens)
        try:
            yield
        finally:
            end = len(self.tokens)
            if start_node is not None and id(start_node) in self.spans:
                start = self.spans[id(start_node)][0]
            if end_node is not None and id(end_node) in self.spans:
                end = self.spans[id(end_node)][1]
            self.spans[key] = (start, end)


#: Where a reported node sits: ``(i,)`` in ``module.body[i]``, ``(i, j)`` in the
#: ``j``-th statement of the body of the class that ``module.body[i]`` is.
Place = tuple[int, ...]


def node_positions(
    module: cst.Module,
    nodes: Iterable[cst.CSTNode],
    piece: cst.CSTNode | None = None,
    indent: str | None = None,
) -> dict[int, Span]:
    """``id(node) -> ((row, col), (end_row, end_col))``, 1-based rows, 0-based cols,
    counted from the first character that ``module`` (or a ``piece`` of it)
    generates. A ``piece`` is generated as in a block indented by ``indent``:
    the tokens the whole module's generation makes for it."""
    nodes = list(nodes)
    state = _MarkingState(module, {id(n) for n in nodes})
    if indent is not None:
        state.indent_tokens.append(indent)
    with suppress(_Done):
        (module if piece is None else piece)._codegen(state)
    wanted = sorted({i for key in state.spans for i in state.spans[key]})
    at: dict[int, tuple[int, int]] = {}
    line, column, index = 1, 0, 0
    tokens = state.tokens
    for target in wanted:
        while index < target:
            token = tokens[index]
            if "\n" in token or "\r" in token:
                parts = _NEWLINE.split(token)
                line += len(parts) - 1
                column = len(parts[-1])
            else:
                column += len(token)
            index += 1
        at[target] = (line, column)
    return {key: (at[a], at[b]) for key, (a, b) in state.spans.items()}


class StatementRows:
    """The row where the code of a statement begins (its leading comment and
    blank lines included), read off CPython's tree of the text libcst parsed
    or of the source that text is a slice of (the same rows, dropped
    definitions blank): for each statement of ``module.body`` and, asked
    for, each statement of a top-level class's body."""

    def __init__(self, module: cst.Module, lines: list[str], top: list[tuple[int, ast.stmt]]):
        self.module, self._lines, self._top = module, lines, top
        self._members: dict[int, list[int] | None] = {}

    def row(self, place: Place) -> int | None:
        if len(place) == 1:
            return self._top[place[0]][0]
        rows = self._members.get(place[0], ())
        if rows == ():
            rows = self._members[place[0]] = self._member_rows(place[0])
        return None if rows is None else rows[place[1]]

    def _member_rows(self, index: int) -> list[int] | None:
        statement, block = self._top[index][1], self.module.body[index]
        if not isinstance(statement, ast.ClassDef) or not isinstance(block, cst.ClassDef):
            return None
        body = block.body
        if not isinstance(body, cst.IndentedBlock):
            return None
        found = _line_up(statement.body, body.body, self._lines)
        return None if found is None else [row for row, _ in found]

    def indent(self, index: int) -> str:
        """The indentation of the body of the class at ``module.body[index]``."""
        body = self.module.body[index].body  # type: ignore[attr-defined]
        return self.module.default_indent if body.indent is None else body.indent


def statement_rows(module: cst.Module, text: str, tree: ast.Module) -> StatementRows | None:
    """The :class:`StatementRows` of ``module``, parsed from ``text``; None when
    ``tree`` and ``module`` do not line up."""
    if "\r" in text or "\f" in text or _LONE_BACKSLASH.search(text):
        return None
    lines = text.split("\n")
    top = _line_up(tree.body, module.body, lines)
    return None if top is None else StatementRows(module, lines, top)


def _line_up(
    statements: Iterable[ast.stmt], body: Sequence[cst.CSTNode], lines: list[str]
) -> list[tuple[int, ast.stmt]] | None:
    """For each libcst statement of ``body``, the row where its code begins and
    the first CPython statement of it; None if the two do not line up."""
    groups: list[tuple[int, int, ast.stmt]] = []
    for stmt in statements:
        decorators = getattr(stmt, "decorator_list", ())
        start = min([stmt.lineno, *(d.lineno for d in decorators)])
        end = stmt.end_lineno or stmt.lineno
        if groups and start <= groups[-1][1]:  # ``a = 1; b = 2``: one libcst statement
            groups[-1] = (groups[-1][0], max(groups[-1][1], end), groups[-1][2])
        else:
            groups.append((start, end, stmt))
    kept = [
        (start, stmt)
        for start, end, stmt in groups
        if any(line.strip() for line in lines[start - 1 : end])
    ]
    if len(kept) != len(body):
        return None
    return [
        (start - len(node.leading_lines), stmt)  # type: ignore[attr-defined]
        for (start, stmt), node in zip(kept, body, strict=True)
    ]


def positions_by_statement(
    module: cst.Module, rows: StatementRows, nodes: Iterable[tuple[cst.CSTNode, Place]]
) -> dict[int, Span]:
    """:func:`node_positions` of each ``(node, place)``: one code generation of
    each statement that holds some, alone (a class's member alone when its
    rows line up; else the whole class). A node not found where its place says
    is looked for in the whole module."""
    nodes = list(nodes)
    grouped: dict[Place, list[cst.CSTNode]] = {}
    for node, place in nodes:
        if len(place) > 1 and rows.row(place) is None:
            place = place[:1]
        grouped.setdefault(place, []).append(node)
    found: dict[int, Span] = {}
    for place, members in grouped.items():
        offset = rows.row(place) - 1  # type: ignore[operator]
        if len(place) == 1:
            piece, indent = module.body[place[0]], None
        else:
            piece = module.body[place[0]].body.body[place[1]]  # type: ignore[attr-defined]
            indent = rows.indent(place[0])
        spans = node_positions(module, members, piece, indent)
        for key, ((row, col), (end_row, end_col)) in spans.items():
            found[key] = ((row + offset, col), (end_row + offset, end_col))
    missing = [node for node, _ in nodes if id(node) not in found]
    if missing:
        found.update(node_positions(module, missing))
    return found
