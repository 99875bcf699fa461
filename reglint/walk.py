"""A read-only traversal of a libcst tree for batched visitors.

libcst's own ``visit`` rebuilds every node it passes (``_visit_and_replace_
children`` constructs and validates a copy), which makes a traversal cost
several parses. Lint rules only read the tree, so this walker goes over the
same children, in the same order as libcst, and calls the rules' ``visit_<Node>``
and ``leave_<Node>`` methods, without building anything.
"""

from __future__ import annotations

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


def _field_order(node: cst.CSTNode) -> tuple[str, ...]:
    """The fields libcst visits for this node type, in libcst's order."""
    cls = type(node)
    order = _FIELD_ORDER.get(cls)
    if order is None:
        recorder = _FieldRecorder()
        node._visit_and_replace_children(recorder)
        order = _FIELD_ORDER[cls] = tuple(recorder.fields)
    return order


def walk(module: cst.Module, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
    """Call every visitor's ``visit_X``/``leave_X`` over ``module``, depth first."""
    tables = [v.get_visitors() for v in visitors]
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
            name = cls.__name__
            entry = dispatch[cls] = (
                tuple(t[f"visit_{name}"] for t in tables if f"visit_{name}" in t),
                tuple(t[f"leave_{name}"] for t in tables if f"leave_{name}" in t),
                _field_order(node),
            )
        visits, leaves, fields = entry
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
