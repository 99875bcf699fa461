"""Bounds on what ``reglint check`` analyzes, so that no input costs unbounded
time or memory (documented in docs/performance.md, "Limits").

libcst's native parser is not linear in nesting: a chain of ``d`` nested
brackets, calls, lambdas or conditional expressions costs it time and memory
in ``d**2`` (100 nested lists: 9 MB and 70 ms; 2,000 nested brackets crash
it). So a file is measured on CPython's ``ast`` tree before libcst sees it:
its depth, its size in nodes, and its *weight*: the sum over the nodes inside
expressions of their depth in the expression (what libcst's cost grows with).
Redundant parentheses leave no node; when a file has more ``(`` than nodes,
they are weighed too, by the tokenizer (each counts its bracket depth).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

#: Longest source parsed at all, in characters outside comment-only lines:
#: CPython's ``ast`` of code takes about 130 bytes per character (a comment,
#: nothing).
MAX_CODE_CHARS = 4_000_000
#: Deepest CPython ``ast`` tree analyzed (Keras 3.15 and TensorFlow 2.21
#: sources: at most 31).
MAX_DEPTH = 100
#: Largest CPython ``ast`` tree analyzed, in nodes (keras/src's largest file,
#: ``ops/numpy_test.py``: 116,546); libcst needs about 2.3 KB per node.
MAX_NODES = 300_000
#: Heaviest tree analyzed: the sum over expression nodes of their depth inside
#: their statement (``ops/numpy_test.py``: 358,252); libcst needs up to about
#: 1.5 KB per unit on deeply nested brackets.
MAX_WEIGHT = 1_000_000
#: Findings of one rule reported in one file; the rest are counted in a note.
MAX_FINDINGS_PER_RULE = 1_000

_STATEMENTS = (ast.stmt, ast.ExceptHandler, ast.match_case, ast.mod)
_COMMENT_LINE = re.compile(r"^[ \t]*#[^\r\n]*", re.MULTILINE)


@dataclass(frozen=True)
class Refusal:
    """Why a file is not analyzed, and where (1-based row and column)."""

    message: str
    row: int = 1
    column: int = 1


def too_long(source: str) -> Refusal | None:
    if len(source) <= MAX_CODE_CHARS:
        return None
    code = len(source) - sum(len(m.group()) for m in _COMMENT_LINE.finditer(source))
    if code > MAX_CODE_CHARS:
        return Refusal(
            f"file too large to analyze ({code:,} characters of code > {MAX_CODE_CHARS:,})"
        )
    return None


def measure(tree: ast.AST, source: str) -> Refusal | None:
    """A :class:`Refusal` if ``tree``, parsed from ``source``, is deeper,
    larger or heavier than the bounds."""
    walk = MeasuredWalk(tree, source)
    for _ in walk:
        pass
    return walk.refusal


class MeasuredWalk:
    """Every node of an ``ast`` tree (in :func:`reglint.candidates.iter_nodes`'
    order), measuring the tree as it goes: a walk that collects facts about a
    module measures it at no extra pass. After the walk, ``refusal`` says
    whether the tree is past a bound.

    Iterative, and stops at the first node past a bound, so a refused tree
    costs no more than an accepted one.
    """

    def __init__(self, tree: ast.AST, source: str) -> None:
        self.tree, self.source = tree, source
        self.refusal: Refusal | None = None

    def __iter__(self) -> Iterator[ast.AST]:
        weight = nodes = 0
        node_type, statement = ast.AST, _STATEMENTS
        stack: list[tuple[object, int, int]] = [(self.tree, 0, 0)]
        pop, push = stack.pop, stack.append
        while stack:
            node, depth, inner = pop()
            if not isinstance(node, node_type):
                continue
            if isinstance(node, statement):
                inner = 0
            weight += inner
            nodes += 1
            if depth > MAX_DEPTH:
                message = f"file too deeply nested to analyze (depth > {MAX_DEPTH})"
                self.refusal = _at(node, message)
                return
            if nodes > MAX_NODES:
                message = f"file too large to analyze (more than {MAX_NODES:,} syntax nodes)"
                self.refusal = Refusal(message)
                return
            if weight > MAX_WEIGHT:
                self.refusal = _too_heavy()
                return
            yield node
            depth, inner = depth + 1, inner + 1
            for name in node._fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in value:
                        push((item, depth, inner))
                elif isinstance(value, node_type):
                    push((value, depth, inner))
        source = self.source
        if source.count("(") > nodes and weight + _bracket_weight(source) > MAX_WEIGHT:
            self.refusal = _too_heavy()


def _too_heavy() -> Refusal:
    return Refusal(
        f"file too large to analyze (expression weight > {MAX_WEIGHT:,}: "
        "each node counts its depth in its expression)"
    )


def _bracket_weight(source: str) -> int:
    """The sum over the opening brackets of ``source`` of their depth."""
    import io
    import tokenize

    weight = depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.OP:
                if token.string in "([{":
                    depth += 1
                    weight += depth
                elif token.string in ")]}":
                    depth -= 1
    except (tokenize.TokenError, SyntaxError):
        pass
    return weight


def _at(node: object, message: str) -> Refusal:
    """Located at ``node``; ``column`` is CPython's UTF-8 byte offset + 1."""
    row = getattr(node, "lineno", None) or 1
    column = getattr(node, "col_offset", None)
    return Refusal(message, row, column + 1 if column is not None else 1)
