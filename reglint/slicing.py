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
(whole) and class headers, and any definition that binds a name the kept code
uses. reglint's name table (:mod:`reglint.names`) is scoped, but a function's
``global`` declaration sends its imports and aliases to the module, so a
binding in a dropped function could change how a kept name resolves: such
definitions are kept (a sound over-approximation: any name, any scope).
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterable, Iterator, Sequence

from .candidates import DEFINITIONS, ModuleFacts, iter_nodes

#: Names the rules' fixes look up themselves (``regularizers.L2``, ``layers``).
_LOOKED_UP = frozenset({"regularizers", "layers"})


def slice_source(
    source: str, tree: ast.Module, facts: ModuleFacts, sites: Iterable[ast.AST]
) -> str | None:
    """``source`` with the definitions no site needs blanked out, or None when
    nothing can be dropped."""
    if "\r" in source:  # ``ast`` rows and ours must agree: keep to plain newlines
        return None
    rows = sorted({getattr(site, "lineno", 0) for site in sites})
    if not rows or rows[0] < 1:
        return None
    definitions = sorted(_droppable(tree.body, rows), key=_span)
    if not definitions:
        return None
    droppable = [_span(d) for d in definitions]
    bound = _bindings(facts, droppable)
    # The names the kept code uses; a definition's own names only once it stays.
    kept_names = _LOOKED_UP | _names(iter_nodes(tree, {id(d) for d in definitions}))
    dropped = set(range(len(droppable)))
    while True:  # a definition binding a used name stays, and so do its names
        keep = [i for i in dropped if bound.get(i, set()) & kept_names]
        if not keep:
            break
        for i in keep:
            dropped.discard(i)
            kept_names |= _names(iter_nodes(definitions[i]))
    if not dropped:
        return None
    lines = source.split("\n")
    for i in dropped:
        first, last = droppable[i]
        lines[first - 1 : last] = [""] * (last - first + 1)
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
        if not isinstance(statement, DEFINITIONS):
            continue
        if not _holds_site(statement, rows):
            yield statement
        elif isinstance(statement, ast.ClassDef):
            inner = list(_droppable(statement.body, rows))
            # A class needs a body: if every member could go (the site is in
            # the header), keep them all.
            if len(inner) < len(statement.body) and statement.body[0].lineno > statement.lineno:
                yield from inner


def _index(spans: Sequence[tuple[int, int]], row: int) -> int | None:
    """Which of the sorted, disjoint ``spans`` holds ``row``, if any."""
    at = bisect.bisect_right(spans, (row, float("inf"))) - 1
    return at if at >= 0 and spans[at][1] >= row else None


def _names(nodes: Iterable[ast.AST]) -> set[str]:
    return {node.id for node in nodes if isinstance(node, ast.Name)}


def _bindings(facts: ModuleFacts, spans: Sequence[tuple[int, int]]) -> dict[int, set[str]]:
    """The names each span may bind in reglint's name table."""
    bound: dict[int, set[str]] = {}

    def bind(row: int, names: Iterable[str]) -> None:
        at = _index(spans, row)
        if at is not None:
            bound.setdefault(at, set()).update(names)

    imported = set()
    for node in facts.imports:
        names = [alias.asname or alias.name.partition(".")[0] for alias in node.names]
        imported.update(names)
        bind(node.lineno, names)
    for node in facts.definitions:
        bind(node.lineno, (node.name,))
    for node, targets in _aliases(facts, imported):
        bind(node.lineno, targets)
    return bound


def _aliases(facts: ModuleFacts, imported: set[str]) -> Iterator[tuple[ast.Assign, list[str]]]:
    """``X = <name or attribute>`` whose root may resolve (to an import, or to
    such an alias), and ``X = partial(...)``: the assignments the table keeps."""
    candidates = []
    for node in facts.assigns:
        targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if targets:
            candidates.append((node, targets, _root(node.value, facts)))
    resolvable = set(imported)
    changed = True
    while changed:
        changed = False
        for _, targets, root in candidates:
            if (root is None or root in resolvable) and not resolvable.issuperset(targets):
                resolvable.update(targets)
                changed = True
    for node, targets, root in candidates:
        if root is None or root in resolvable:
            yield node, targets


def _root(value: ast.expr, facts: ModuleFacts) -> str | None:
    """The root name of a Name/Attribute chain; None for a call that may be
    ``functools.partial`` (aliased whatever its arguments); "" otherwise."""
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr == "partial":
            return None
        if isinstance(func, ast.Name) and "partial" in facts.names_of(func.id):
            return None
        return ""
    while isinstance(value, ast.Attribute):
        value = value.value
    return value.id if isinstance(value, ast.Name) else ""
