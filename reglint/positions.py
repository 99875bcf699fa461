"""Positions of a few nodes, without libcst's ``PositionProvider``.

``PositionProvider`` records a range for every node of the module and costs
about twice the parse. The engine needs the positions of the handful of nodes
that were reported, so it runs one plain code generation that notes token
indices for those nodes only, then turns the indices into rows and columns.
The ranges are the same as ``PositionProvider``'s (syntactic, whitespace
excluded where libcst excludes it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress

import libcst as cst
from libcst._nodes.internal import CodegenState

_NEWLINE = re.compile(r"\r\n?|\n")

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
