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
from collections.abc import Callable, Iterable, Iterator
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


def node_positions(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, Span]:
    """``id(node) -> ((row, col), (end_row, end_col))``, 1-based rows, 0-based cols."""
    nodes = list(nodes)
    state = _MarkingState(module, {id(n) for n in nodes})
    with suppress(_Done):
        module._codegen(state)
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


def statement_rows(module: cst.Module, text: str, tree: ast.Module) -> list[int] | None:
    """The row where the code of each statement of ``module.body`` begins (its
    leading comment and blank lines included), read off CPython's ``tree`` of
    ``text`` or of the source ``text`` is a slice of (the same rows, dropped
    definitions blank); None when the two trees do not line up."""
    if "\r" in text or "\f" in text or _LONE_BACKSLASH.search(text):
        return None
    lines = text.split("\n")
    groups: list[tuple[int, int]] = []
    for stmt in tree.body:
        decorators = getattr(stmt, "decorator_list", ())
        start = min([stmt.lineno, *(d.lineno for d in decorators)])
        end = stmt.end_lineno or stmt.lineno
        if groups and start <= groups[-1][1]:  # ``a = 1; b = 2``: one libcst statement
            groups[-1] = (groups[-1][0], max(groups[-1][1], end))
        else:
            groups.append((start, end))
    kept = [start for start, end in groups if any(line.strip() for line in lines[start - 1 : end])]
    if len(kept) != len(module.body):
        return None
    return [start - len(stmt.leading_lines) for start, stmt in zip(kept, module.body, strict=True)]


def positions_by_statement(
    module: cst.Module, rows: list[int], nodes: Iterable[tuple[cst.CSTNode, int]]
) -> dict[int, Span]:
    """:func:`node_positions` of each ``(node, index)``, ``node`` being inside
    ``module.body[index]``: one code generation of each such statement alone."""
    grouped: dict[int, list[cst.CSTNode]] = {}
    for node, index in nodes:
        grouped.setdefault(index, []).append(node)
    found: dict[int, Span] = {}
    for index, members in grouped.items():
        piece = cst.Module(
            body=(module.body[index],),
            default_indent=module.default_indent,
            default_newline=module.default_newline,
        )
        offset = rows[index] - 1
        for key, ((row, col), (end_row, end_col)) in node_positions(piece, members).items():
            found[key] = ((row + offset, col), (end_row + offset, end_col))
    return found
