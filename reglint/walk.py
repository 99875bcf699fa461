"""A read-only traversal of a libcst tree for batched visitors.

libcst's own ``visit`` rebuilds every node it passes (``_visit_and_replace_
children`` constructs and validates a copy), which makes a traversal cost
several parses. Lint rules only read the tree, so this walker goes over the
same children, in the same order as libcst, and calls the rules' ``visit_<Node>``
and ``leave_<Node>`` methods, without building anything. Whitespace, comments
and punctuation (:data:`TRIVIA`) are not entered unless a visitor asks for them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from .positions import Place

_Fn = Callable[[cst.CSTNode], object]
_FIELD_ORDER: dict[type, tuple[str, ...]] = {}


class _FieldRecorder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute not in self.fields:
            self.fields.append(attribute)


def _record(node: cst.CSTNode) -> tuple[str, ...]:
    recorder = _FieldRecorder()
    node._visit_and_replace_children(recorder)
    return tuple(recorder.fields)


def _field_order(node: cst.CSTNode) -> tuple[str, ...]:
    """The fields libcst visits for this node type, in libcst's order."""
    cls = type(node)
    order = _FIELD_ORDER.get(cls)
    if order is None:
        order = _FIELD_ORDER[cls] = _record(node)
        unvisited = tuple(
            f.name
            for f in dataclasses.fields(node)
            if f.name not in order
            and f.name[0] != "_"
            and not isinstance(getattr(node, f.name), (str, bool, int))
        )
        if unvisited:
            _CONDITIONAL[cls] = unvisited
    return order


#: Node types whose ``_visit_and_replace_children`` visits some fields only when
#: they hold nodes (``FormattedStringExpression.format_spec``): per class, the
#: fields that were not visited on the first node seen and are not plain values.
_CONDITIONAL: dict[type, tuple[str, ...]] = {}


def _children_fields(node: cst.CSTNode, order: tuple[str, ...]) -> tuple[str, ...]:
    conditional = _CONDITIONAL.get(type(node))
    if conditional and any(_holds_nodes(getattr(node, name)) for name in conditional):
        return _record(node)
    return order


def _holds_nodes(value: object) -> bool:
    if isinstance(value, (tuple, list)):
        return any(isinstance(item, cst.CSTNode) for item in value)
    return isinstance(value, cst.CSTNode)


#: Whitespace, comments and punctuation: their subtrees hold nothing else, so
#: when no visitor has a method for any of them, the walk does not enter them.
TRIVIA: tuple[type[cst.CSTNode], ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Comment,
    cst.Newline,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.ImportStar,
    cst.Asynchronous,
)

_Unbound = Callable[[object, cst.CSTNode], object]
#: Per tuple of visitor classes: each visitor's ``visit_``/``leave_`` functions by
#: name (what libcst's ``get_visitors`` finds, without ``inspect`` per instance).
_Tables = tuple[tuple[dict[str, _Unbound], ...], tuple[type, ...]]
_CLASS_TABLES: dict[tuple[type, ...], _Tables] = {}


@cache
def _class_table(cls: type) -> dict[str, _Unbound]:
    """As ``get_visitors``: the visit/leave methods (and classmethods) that are
    not libcst's no-op stubs. Read off the classes' ``__dict__`` along the MRO:
    ``dir`` and ``inspect`` over libcst's ~900 stubs cost a fifth of a second."""
    table: dict[str, _Unbound] = {}
    seen: set[str] = set()
    for klass in cls.__mro__:
        for name, raw in vars(klass).items():
            if name in seen or not name.startswith(("visit_", "leave_")):
                continue
            seen.add(name)
            fn = raw.__func__ if isinstance(raw, classmethod) else raw
            if isinstance(raw, staticmethod) or not callable(fn):
                continue
            if not getattr(fn, "_is_no_op", False):
                table[name] = raw
    return table


def _tables(visitors: Sequence[cst.BatchableCSTVisitor]) -> _Tables:
    """Each visitor's method table, and the node types the walk need not enter."""
    key = tuple(type(v) for v in visitors)
    entry = _CLASS_TABLES.get(key)
    if entry is None:
        tables = tuple(_class_table(c) for c in key)
        entry = _CLASS_TABLES[key] = (tables, () if _wants_trivia(tables) else TRIVIA)
    return entry


def _wants_trivia(tables: Sequence[dict[str, _Unbound]]) -> bool:
    names = {name.split("_")[1] for table in tables for name in table}
    return any(
        isinstance(node_cls, type) and issubclass(node_cls, TRIVIA)
        for node_cls in (getattr(cst, name, None) for name in names)
    )


class _Enterable(dict):
    """``type -> bool``: is it a node type the walk enters (a memo, because
    ``isinstance`` against libcst's ABCs is slow on millions of children)."""

    def __init__(self, skip: tuple[type, ...]) -> None:
        super().__init__()
        self.skip = skip

    def __missing__(self, cls: type) -> bool:
        enter = self[cls] = issubclass(cls, cst.CSTNode) and not issubclass(cls, self.skip)
        return enter


_ENTERABLE = {skip: _Enterable(skip) for skip in ((), TRIVIA)}


def walk(
    module: cst.Module,
    visitors: Sequence[cst.BatchableCSTVisitor],
    on_statement: Callable[[Place | None], object] | None = None,
) -> None:
    """Call every visitor's ``visit_X``/``leave_X`` over ``module``, depth first;
    ``on_statement(place)`` as the walk enters the statement at ``place``
    (:data:`reglint.positions.Place`: ``(i,)`` for ``module.body[i]``, ``(i, j)``
    for a member of a top-level class, then ``(i,)`` again after it; None:
    after the last statement)."""
    tables, skip = _tables(visitors)
    enterable = _ENTERABLE[skip]
    pairs = list(zip(tables, visitors, strict=True))
    dispatch: dict[type, tuple[tuple[_Fn, ...], tuple[_Fn, ...], tuple[str, ...]]] = {}
    leave_marker = object()
    #: id of a top-level class's body -> the class's index in ``module.body``.
    class_bodies: dict[int, int] = {}
    stack: list[object] = [module]
    while stack:
        item = stack.pop()
        if type(item) is tuple:
            for fn in item[1]:
                fn(item[0])
            continue
        node: cst.CSTNode = item  # type: ignore[assignment]
        cls = type(node)
        entry = dispatch.get(cls)
        if entry is None:
            visit, leave = f"visit_{cls.__name__}", f"leave_{cls.__name__}"
            entry = dispatch[cls] = (
                tuple(t[visit].__get__(v, type(v)) for t, v in pairs if visit in t),
                tuple(t[leave].__get__(v, type(v)) for t, v in pairs if leave in t),
                _field_order(node),
            )
        visits, leaves, fields = entry
        if cls in _CONDITIONAL:
            fields = _children_fields(node, fields)
        for fn in visits:
            fn(node)
        if leaves:
            stack.append((node, leaves, leave_marker))
        children: list[object] = []
        for field in fields:
            value = getattr(node, field)
            kind = type(value)
            if kind is tuple or kind is list:
                children.extend(c for c in value if enterable[type(c)])
            elif enterable[kind]:
                children.append(value)
        if on_statement is not None:
            if node is module:
                children = _marked(children, module, on_statement, leave_marker)
                class_bodies = {
                    id(s.body): i
                    for i, s in enumerate(module.body)
                    if type(s) is cst.ClassDef and type(s.body) is cst.IndentedBlock
                }
            elif id(node) in class_bodies:
                children = _members(
                    children, node, class_bodies[id(node)], on_statement, leave_marker
                )
        stack.extend(reversed(children))


def _marked(
    children: list[object],
    module: cst.Module,
    on_statement: Callable[[int | None], object],
    marker: object,
) -> list[object]:
    """The module's children, each statement of its body preceded by a call of
    ``on_statement(index)``, and the last followed by ``on_statement(None)``."""
    index = {id(s): i for i, s in enumerate(module.body)}
    marked: list[object] = []
    for child in children:
        at = index.get(id(child))
        if at is not None:
            marked.append((module, (lambda _, i=at: on_statement((i,)),), marker))
        marked.append(child)
        if at is not None and at == len(module.body) - 1:
            marked.append((module, (lambda _: on_statement(None),), marker))
    return marked


def _members(
    children: list[object],
    block: cst.IndentedBlock,
    at: int,
    on_statement: Callable[[Place | None], object],
    marker: object,
) -> list[object]:
    """A top-level class body's children, each of its statements between a
    call of ``on_statement((at, j))`` and one of ``on_statement((at,))``."""
    index = {id(s): j for j, s in enumerate(block.body)}
    marked: list[object] = []
    back = (block, (lambda _: on_statement((at,)),), marker)
    for child in children:
        j = index.get(id(child))
        if j is None:
            marked.append(child)
            continue
        marked += [(block, (lambda _, j=j: on_statement((at, j)),), marker), child, back]
    return marked


def node_ids(root: cst.CSTNode) -> set[int]:
    """The ids of ``root`` and of every node under it that is not :data:`TRIVIA`."""
    enterable = _ENTERABLE[TRIVIA]
    ids: set[int] = set()
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        ids.add(id(node))
        fields = _field_order(node)
        if type(node) in _CONDITIONAL:
            fields = _children_fields(node, fields)
        for name in fields:
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                stack.extend(c for c in value if enterable[type(c)])
            elif enterable[kind]:
                stack.append(value)
    return ids
