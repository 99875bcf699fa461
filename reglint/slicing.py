"""Blank out the functions and classes a lint cannot need, before the libcst parse.

libcst's parse is most of reglint's cost, and in a large module the rules that
can fire often can only do so at a few sites (RL001: the layer calls that may
lack a regularizer). When every rule to run names its sites (``Rule.sites``),
the engine parses a *slice*: the source with every top-level function or class
(and every method of a kept class) that holds no site replaced by empty lines.
Rows and columns of everything kept are unchanged, so positions, fixes and
``# noqa`` need no mapping.

What stays: every statement that is not a ``def``/``class`` (imports,
assignments, ``if``/``try`` blocks, whole), each site's enclosing function
(whole) and class headers, and any ``def``/``class`` that binds a name the
kept code uses: reglint's name table (:mod:`reglint.names`) is module-wide, so
a binding anywhere can change how a kept name resolves.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterable, Iterator, Sequence

from .rules._candidates import iter_nodes

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: Names the rules' fixes look up themselves (``regularizers.L2``, ``layers``).
_LOOKED_UP = frozenset({"regularizers", "layers"})


def slice_source(source: str, tree: ast.Module, sites: Iterable[ast.AST]) -> str | None:
    """``source`` with the definitions no site needs blanked out, or None when
    nothing can be dropped (or the text is not one ``ast`` numbered as expected)."""
    if "\r" in source:  # ``ast`` rows and ours must agree: keep to plain newlines
        return None
    rows = sorted({getattr(site, "lineno", 0) for site in sites})
    if not rows or rows[0] < 1:
        return None
    droppable = list(_droppable(tree.body, rows))
    if not droppable:
        return None
    kept_names = _names_used(tree, droppable)
    bound = {id(d): _bound_names(d) for d in droppable}
    while True:  # a definition binding a used name stays, and so do its own names
        binding = [d for d in droppable if bound[id(d)] & kept_names]
        if not binding:
            break
        for definition in binding:
            droppable.remove(definition)
            kept_names |= _names_in(definition)
    if not droppable:
        return None
    lines = source.split("\n")
    for definition in droppable:
        first, last = _span(definition)
        for row in range(first, last + 1):
            lines[row - 1] = ""
    return "\n".join(lines)


def _span(statement: ast.stmt) -> tuple[int, int]:
    decorators = getattr(statement, "decorator_list", ())
    first = min([statement.lineno, *(d.lineno for d in decorators)])
    return first, statement.end_lineno or statement.lineno


def _holds_site(statement: ast.stmt, rows: Sequence[int]) -> bool:
    first, last = _span(statement)
    at = bisect.bisect_left(rows, first)
    return at < len(rows) and rows[at] <= last


def _droppable(body: Sequence[ast.stmt], rows: Sequence[int]) -> Iterator[ast.stmt]:
    """The definitions of ``body`` without a site; classes with sites are entered."""
    for statement in body:
        if not isinstance(statement, _DEFS):
            continue
        if not _holds_site(statement, rows):
            yield statement
        elif isinstance(statement, ast.ClassDef):
            inner = list(_droppable(statement.body, rows))
            # A class needs a body: if every member could go (the site is in
            # the header), keep them all.
            if len(inner) < len(statement.body) and statement.body[0].lineno > statement.lineno:
                yield from inner


def _names_used(tree: ast.Module, droppable: Sequence[ast.stmt]) -> set[str]:
    dropped = {id(d) for d in droppable}
    return set(_LOOKED_UP).union(
        node.id for node in iter_nodes(tree, skip=dropped) if isinstance(node, ast.Name)
    )


def _names_in(statement: ast.stmt) -> set[str]:
    return {node.id for node in iter_nodes(statement) if isinstance(node, ast.Name)}


def _bound_names(statement: ast.stmt) -> set[str]:
    """Every name a definition binds, itself included, at any depth (an over-
    approximation of what :class:`reglint.names.ImportTracker` records)."""
    names = set()
    for node in iter_nodes(statement):
        if isinstance(node, _DEFS):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add(alias.asname or alias.name.partition(".")[0])
    return names
