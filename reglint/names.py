"""Resolve names in a module to Keras symbols with a scoped table of imports,
aliases, parameters and definitions (what a name means: :mod:`reglint.keras_names`).

Full scope analysis (libcst's ``QualifiedNameProvider``) costs about eight
libcst parses per file; the rules only need to know what a name refers to
where it is used, so the table is filled scope by scope during the one traversal.
It is filled in source order during the rules' single traversal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import libcst as cst

from . import catalog
from .keras_names import (
    INJECTED,
    INJECTED_NAMES,
    MODEL_NAMES,
    SUBMODULES_FROM_KWARGS,
    KerasSymbol,
    injected,
    keras_symbol,
)


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _module_name(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    return dotted_name(node) or ""


_STAR_MODULE_NAMES = {
    "layers": catalog.ALL_LAYERS,
    "regularizers": frozenset(catalog.REGULARIZERS) | {"Regularizer"},
    "": MODEL_NAMES | {"layers", "regularizers", "models", "optimizers", "applications", "Input"},
    "models": MODEL_NAMES,
}


@dataclass(eq=False)
class _Scope:
    """The names one module, class, function or lambda binds."""

    kind: str  # module, class, function
    owner: int | None = None  # id of the block (or lambda) it covers
    name: str = ""  # the function's or class's name
    bindings: dict[str, str | None] = field(default_factory=dict)
    #: ``DefaultConv2D = partial(layers.Conv2D, ...)``: the local name -> that call.
    partials: dict[str, cst.Call] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)


class ImportTable:
    """Names bound by imports, aliases, parameters and definitions, scope by
    scope, in source order.

    Scopes follow Python: a function's parameters and the names it imports or
    assigns are its own (``def build(layers)`` shadows ``keras.layers``); a
    class body's names are not seen by its methods; ``global`` and ``nonlocal``
    send a name to the module or the enclosing function. Within a scope the
    table is filled in source order, not flow-insensitively; at module level a
    value that is not a Keras name does not unbind an import (``except
    ImportError: Dense = None`` keeps ``Dense`` a Keras layer).
    """

    def __init__(self) -> None:
        self._scopes: list[_Scope] = [_Scope("module")]
        self._star_modules: list[str] = []
        self._pending: dict[int, _Scope] = {}

    # -- scopes ----------------------------------------------------------------
    def prepare(
        self, owner: cst.CSTNode, kind: str, params: dict[str, str | None], name: str = ""
    ) -> None:
        """A scope for ``owner`` (a function's or class's body), entered when the
        traversal reaches it: parameters' defaults are resolved here, outside it."""
        self._pending[id(owner)] = _Scope(kind, id(owner), name, dict(params))

    def enter(self, owner: cst.CSTNode) -> None:
        scope = self._pending.pop(id(owner), None)
        if scope is not None:
            self._scopes.append(scope)

    def leave(self, owner: cst.CSTNode) -> None:
        if len(self._scopes) > 1 and self._scopes[-1].owner == id(owner):
            self._scopes.pop()

    def declare(self, names: Iterable[str], kind: str) -> None:
        """``global`` or ``nonlocal`` names in the current function."""
        scope = self._scopes[-1]
        if scope.kind != "module":
            (scope.globals if kind == "global" else scope.nonlocals).update(names)

    @property
    def in_function(self) -> bool:
        return self._scopes[-1].kind == "function"

    @property
    def in_class_body(self) -> bool:
        return self._scopes[-1].kind == "class"

    @property
    def scope_chain(self) -> tuple[int | None, ...]:
        """The ids of the scopes a statement here is in, the module's (None) first."""
        return tuple(scope.owner for scope in self._scopes)

    @property
    def method(self) -> str | None:
        """The name of the function the traversal is in, if it is a class's method."""
        if len(self._scopes) > 2 and self._scopes[-2].kind == "class":
            scope = self._scopes[-1]
            return scope.name if scope.kind == "function" else None
        return None

    def _target(self, name: str) -> _Scope:
        """The scope an assignment to ``name`` binds it in."""
        scope = self._scopes[-1]
        if name in scope.globals:
            return self._scopes[0]
        if name in scope.nonlocals:
            for outer in reversed(self._scopes[:-1]):
                if outer.kind == "function" and name in outer.bindings:
                    return outer
        return scope

    def _lookup(self, name: str) -> _Scope | None:
        """The scope whose binding of ``name`` a use here sees, if any."""
        innermost = self._scopes[-1]
        if name in innermost.globals:
            return self._scopes[0] if name in self._scopes[0].bindings else None
        for depth, scope in enumerate(reversed(self._scopes)):
            if depth and scope.kind == "class":
                continue  # a class body's names are not visible in its methods
            if depth == 0 and name in scope.nonlocals:
                continue
            if name in scope.bindings:
                return scope
        return None

    # -- bindings --------------------------------------------------------------
    def partial(self, name: str) -> cst.Call | None:
        """The ``functools.partial(<Keras name>, ...)`` call ``name`` is bound to here."""
        scope = self._lookup(name)
        return scope.partials.get(name) if scope is not None else None

    def bind(self, local: str, qualified: str | None) -> None:
        scope = self._target(local)
        scope.bindings[local] = qualified
        scope.partials.pop(local, None)

    def bind_partial(self, local: str, qualified: str, call: cst.Call) -> None:
        """``local = functools.partial(<Keras name>, ...)``: calls of it build that."""
        self.bind(local, qualified)
        self._target(local).partials[local] = call

    def add_import(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = _module_name(alias.name)
                if alias.asname is not None:
                    self.bind(_module_name(alias.asname.name), full)
                else:
                    top = full.split(".")[0]
                    self.bind(top, top)
            return
        module = None if node.relative else _module_name(node.module)
        if isinstance(node.names, cst.ImportStar):
            if module:
                self._star_modules.append(module)
            return
        for alias in node.names:
            name = _module_name(alias.name)
            local = _module_name(alias.asname.name) if alias.asname else name
            self.bind(local, f"{module}.{name}" if module else None)

    def is_bound(self, name: str) -> bool:
        return self._lookup(name) is not None

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The fully qualified dotted name of a Name/Attribute chain, if imported."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, tail = dotted.partition(".")
        scope = self._lookup(head)
        base = scope.bindings[head] if scope is not None else self._star_lookup(head)
        if base is None:
            return None
        return f"{base}.{tail}" if tail else base

    def _star_lookup(self, name: str) -> str | None:
        for module in reversed(self._star_modules):
            symbol = keras_symbol(f"{module}.{name}")
            if symbol and name in _STAR_MODULE_NAMES.get(symbol.module, ()):
                return f"{module}.{name}"
        return None

    def symbol(self, node: cst.BaseExpression) -> KerasSymbol | None:
        return keras_symbol(self.resolve(node))


class ImportTracker(cst.BatchableCSTVisitor):
    """Fills an :class:`ImportTable` as the batched traversal goes.

    Runs first in the batch, so a rule visiting a node sees every import,
    alias, parameter and definition that precedes it in its scope.
    """

    def __init__(self, table: ImportTable) -> None:
        super().__init__()
        self.table = table

    def visit_Import(self, node: cst.Import) -> None:
        self.table.add_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.table.add_import(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.table.bind(node.name.value, None)
        self.table.prepare(node.body, "class", {}, node.name.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.table.bind(node.name.value, None)
        self.table.prepare(node.body, "function", self._params(node.params), node.name.value)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.table.prepare(node, "function", self._params(node.params))
        self.table.enter(node)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.table.leave(original_node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.table.enter(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.table.leave(original_node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.table.enter(node)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self.table.leave(original_node)

    def visit_Global(self, node: cst.Global) -> None:
        self.table.declare((n.name.value for n in node.names), "global")

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.table.declare((n.name.value for n in node.names), "nonlocal")

    def _params(self, params: cst.Parameters) -> dict[str, str | None]:
        """Each parameter's name -> the Keras name its default is (``Dense=layers.Dense``),
        else None: the caller decides its value, so it shadows any import."""
        bound: dict[str, str | None] = {}
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for param in every:
            qualified = self.table.resolve(param.default) if param.default is not None else None
            keep = qualified is not None and keras_symbol(qualified) is not None
            bound[param.name.value] = qualified if keep else None
        return bound

    def visit_Assign(self, node: cst.Assign) -> None:
        # ``D = Dense`` / ``layers = tf.keras.layers``: keep the alias.
        value = node.value
        if self._injected_submodules(node):
            return
        if isinstance(value, cst.Call) and _is_partial(self.table, value):
            first = value.args[0] if value.args else None
            qualified = (
                self.table.resolve(first.value)
                if first is not None and not first.keyword and not first.star
                else None
            )
            if qualified is not None and keras_symbol(qualified) is not None:
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        self.table.bind_partial(target.target.value, qualified, value)
                return
        qualified = self.table.resolve(value)
        if qualified is None or keras_symbol(qualified) is None:
            if self.table.in_function:  # a local of another value: it shadows
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        self.table.bind(target.target.value, None)
            return
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.table.bind(target.target.value, qualified)

    def _injected_submodules(self, node: cst.Assign) -> bool:
        """Bind the names of :data:`SUBMODULES_FROM_KWARGS`' convention; True if it applied."""
        value, table = node.value, self.table
        if isinstance(value, cst.Call):
            func = dotted_name(value.func)
            if func is None or func.rsplit(".", 1)[-1] != SUBMODULES_FROM_KWARGS:
                return False
            for target in node.targets:
                if isinstance(target.target, (cst.Tuple, cst.List)):
                    elements = target.target.elements
                    for submodule, element in zip(INJECTED, elements, strict=False):
                        if isinstance(element.value, cst.Name):
                            table.bind(element.value.value, injected(submodule))
            return True
        if (
            isinstance(value, cst.Name)
            and value.value == "None"
            and not table.in_function
            and table.is_bound(SUBMODULES_FROM_KWARGS)
        ):
            for target in node.targets:
                name = target.target.value if isinstance(target.target, cst.Name) else None
                if name in INJECTED_NAMES:
                    table.bind(name, injected(INJECTED_NAMES[name]))
            return True
        return False


def _is_partial(table: ImportTable, call: cst.Call) -> bool:
    """A call of ``functools.partial`` (however imported)."""
    return table.resolve(call.func) == "functools.partial"
