"""A read-only traversal of a libcst tree for batched visitors.

libcst's own ``visit`` rebuilds every node it passes (``_visit_and_replace_
children`` constructs and validates a copy), which makes a traversal cost
several parses. Lint rules only read the tree, so this walker goes over the
same children, in the same order as libcst, and calls the rules' ``visit_<Node>``
and ``leave_<Node>`` methods, without building anything.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Sequence

import libcst as cst

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
            f.name for f in dataclasses.fields(node) if f.name not in order and f.name[0] != "_"
        )
        if unvisited:
            _CONDITIONAL[cls] = unvisited
    return order


#: Node types whose ``_visit_and_replace_children`` visits some fields only when
#: they are set (``FormattedStringExpression.format_spec``): per class, those fields.
_CONDITIONAL: dict[type, tuple[str, ...]] = {}


def _children_fields(node: cst.CSTNode, order: tuple[str, ...]) -> tuple[str, ...]:
    conditional = _CONDITIONAL.get(type(node))
    if conditional and any(getattr(node, name) is not None for name in conditional):
        return _record(node)
    return order


_Unbound = Callable[[object, cst.CSTNode], object]
#: Per tuple of visitor classes: each visitor's ``visit_``/``leave_`` functions by
#: name (what libcst's ``get_visitors`` finds, without ``inspect`` per instance).
_CLASS_TABLES: dict[tuple[type, ...], tuple[dict[str, _Unbound], ...]] = {}


def _class_table(cls: type) -> dict[str, _Unbound]:
    table = {}
    for name in dir(cls):
        if not (name.startswith("visit_") or name.startswith("leave_")):
            continue
        # As ``get_visitors``: methods (and classmethods), not no-op stubs.
        raw = inspect.getattr_static(cls, name)
        fn = getattr(cls, name)
        if isinstance(raw, staticmethod) or not callable(fn):
            continue
        if not getattr(fn, "_is_no_op", False):
            table[name] = raw
    return table


def _tables(visitors: Sequence[cst.BatchableCSTVisitor]) -> tuple[dict[str, _Unbound], ...]:
    key = tuple(type(v) for v in visitors)
    tables = _CLASS_TABLES.get(key)
    if tables is None:
        tables = _CLASS_TABLES[key] = tuple(_class_table(c) for c in key)
    return tables


def walk(module: cst.Module, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
    """Call every visitor's ``visit_X``/``leave_X`` over ``module``, depth first."""
    tables = _tables(visitors)
    pairs = list(zip(tables, visitors, strict=True))
    dispatch: dict[type, tuple[tuple[_Fn, ...], tuple[_Fn, ...], tuple[str, ...]]] = {}
    leave_marker = object()
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
        children: list[cst.CSTNode] = []
        for field in fields:
            value = getattr(node, field)
            if isinstance(value, cst.CSTNode):
                children.append(value)
            elif isinstance(value, (tuple, list)):
                children.extend(c for c in value if isinstance(c, cst.CSTNode))
        stack.extend(reversed(children))
