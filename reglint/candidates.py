"""Cheap ``ast`` tests for the rules' ``candidates``: may this module hold a finding?

Each test is a *sound over-approximation* of what its rule reports through
libcst (any doubt answers True), read off CPython's ``ast`` tree, which costs a
fraction of a libcst parse; this module does not import libcst, so a file that
no rule can fire on never pays for it. A test returns a bool, or the sites
where a rule with site-local findings may report (:mod:`reglint.slicing`).

The names a call can resolve to are over-approximated as its callee's last
name, plus, for a plain name, every name it may alias in the module (imports
``as``, assignments, ``functools.partial``), whatever the scope.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Container, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from . import catalog, limits
from .keras_names import keras_symbol
from .triggers import Words

if TYPE_CHECKING:
    from .project_index import ProjectIndex

_KERNEL_LAYERS = catalog.KERNEL_LAYERS
_LAYERS = catalog.ALL_LAYERS
_REGULARIZERS = frozenset(catalog.REGULARIZERS)
#: How many names a callee is followed through (``c = b``, ``b = blocks.conv_block``);
#: past that the gate passes the file.
_MAX_ALIASES = 256
#: A callee ``a.b.c.d.e`` deeper than this is a value's attribute, not a project function.
_MAX_ATTRIBUTES = 4


Options = Mapping[str, Any]
#: A module whose text names none of these has no layer or regularizer call of
#: its own: RL002's trigger, and the cross-call gate's test before its tree walk.
LAYER_OR_REGULARIZER_WORDS = Words({*catalog.KERNEL_LAYERS, *catalog.REGULARIZERS})
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: The node types :class:`ModuleFacts` records.
_COLLECTED = frozenset(
    {ast.Call, *DEFINITIONS, ast.Lambda, ast.Import, ast.ImportFrom, ast.AnnAssign, ast.Assign}
)


class ModuleFacts:
    """The calls of a module and the plain names bound to other names."""

    def __init__(self, tree: ast.Module, source: str | None = None) -> None:
        """Given the ``source`` of ``tree``, the walk also measures it against
        :mod:`reglint.limits`: ``refusal`` (else None, unmeasured)."""
        self.calls: list[ast.Call] = []
        #: local name -> last parts of what imports/assignments bind it to.
        self.bound: dict[str, set[str]] = {}
        #: names assigned (``X = ...``), whose calls may carry ``partial`` arguments.
        self.assigned: set[str] = set()
        #: top-level names of the (absolute) modules imported.
        self.import_roots: set[str] = set()
        #: the statements that bind names in reglint's module-wide name table.
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.assigns: list[ast.Assign] = []
        self.annotated: list[ast.AnnAssign] = []
        self.definitions: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        collected = _COLLECTED
        walk = limits.MeasuredWalk(tree, source) if source is not None else iter_nodes(tree)
        for node in walk:
            if type(node) not in collected:  # most nodes: one set lookup
                continue
            if isinstance(node, ast.Call):
                self.calls.append(node)
            elif isinstance(node, ast.Lambda):
                self._bind_defaults(node.args)
            elif isinstance(node, DEFINITIONS):
                self.definitions.append(node)
                if not isinstance(node, ast.ClassDef):
                    self._bind_defaults(node.args)
            elif isinstance(node, ast.Import):
                self.imports.append(node)
                for alias in node.names:
                    self.import_roots.add(alias.name.partition(".")[0])
                    if alias.asname:
                        self._bind(alias.asname, alias.name.rsplit(".", 1)[-1])
            elif isinstance(node, ast.ImportFrom):
                self.imports.append(node)
                if node.module and not node.level:
                    self.import_roots.add(node.module.partition(".")[0])
                for alias in node.names:
                    if alias.asname:
                        self._bind(alias.asname, alias.name)
            elif isinstance(node, ast.AnnAssign):
                self.annotated.append(node)
            elif isinstance(node, ast.Assign):
                self.assigns.append(node)
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.add(target.id)
                        for last in _value_names(node.value):
                            self._bind(target.id, last)
        self.refusal = walk.refusal if isinstance(walk, limits.MeasuredWalk) else None
        #: The module's text, when given: a stage may test it before walking the tree.
        self.source = source
        self._expanded: dict[str, frozenset[str]] = {}
        self._values: dict[str, list[ast.expr]] | None = None

    def assigned_values(self, name: str) -> list[ast.expr]:
        """The values assigned to the plain name ``name`` anywhere in the module."""
        if self._values is None:
            self._values = {}
            for stmt in self.assigns:
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self._values.setdefault(target.id, []).append(stmt.value)
        return self._values.get(name, [])

    def _bind_defaults(self, args: ast.arguments) -> None:
        """``def f(Dense=layers.Dense)``: in ``f``, ``Dense`` is what its default names."""
        for param, default in _defaults(args):
            for last in _value_names(default):
                self._bind(param, last)

    def _bind(self, local: str, last: str) -> None:
        self.bound.setdefault(local, set()).add(last)

    def names_of(self, name: str) -> frozenset[str]:
        """Every last name a plain name may resolve to (itself included)."""
        found = self._expanded.get(name)
        if found is None:
            seen = {name}
            todo = [name]
            while todo:
                for last in self.bound.get(todo.pop(), ()):
                    if last not in seen:
                        seen.add(last)
                        todo.append(last)
            found = self._expanded[name] = frozenset(seen)
        return found

    def callee_names(self, call: ast.Call) -> tuple[frozenset[str], bool] | None:
        """``(possible last names, aliased)`` for a Name/Attribute callee, else None.

        ``aliased``: a plain name bound by an assignment or an import ``as``, whose
        arguments may be shifted by a ``partial`` or whose name is not its own.
        """
        func = call.func
        if isinstance(func, ast.Attribute):
            return frozenset((func.attr,)), False
        if isinstance(func, ast.Name):
            name = func.id
            aliased = name in self.assigned or name in self.bound
            return (self.names_of(name) if aliased else frozenset((name,))), aliased
        return None


def _defaults(args: ast.arguments) -> Iterator[tuple[str, ast.expr]]:
    """Each parameter that has a default, with it."""
    positional = [*args.posonlyargs, *args.args]
    with_default = positional[len(positional) - len(args.defaults) :]
    for arg, default in zip(with_default, args.defaults, strict=True):
        yield arg.arg, default
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None:
            yield arg.arg, default


def iter_nodes(tree: ast.AST, skip: Container[int] = ()) -> Iterator[ast.AST]:
    """Every node of ``tree`` (as ``ast.walk``, in another order; about twice as
    fast), without the subtrees of the nodes whose ``id`` is in ``skip``."""
    stack: list[object] = [tree]
    pop, push, extend = stack.pop, stack.append, stack.extend
    node_type = ast.AST
    while stack:
        node = pop()
        if not isinstance(node, node_type) or (skip and id(node) in skip):
            continue  # a str or None in a list field
        yield node
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                extend(value)
            elif isinstance(value, node_type):
                push(value)


def _value_names(value: ast.expr) -> Iterator[str]:
    """Last names an assigned value may resolve to: a Name/Attribute chain, or the
    first argument of a call (``functools.partial(layers.Dense, ...)``)."""
    if isinstance(value, ast.Call):
        for arg in value.args[:1]:
            yield from _value_names(arg)
        return
    if isinstance(value, ast.Attribute):
        yield value.attr
    elif isinstance(value, ast.Name):
        yield value.id


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def _positional(call: ast.Call) -> list[ast.expr]:
    out = []
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            break
        out.append(arg)
    return out


def has_star(call: ast.Call) -> bool:
    return any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    )


def _spec_positions(spec: catalog.LayerSpec, arg: str) -> list[int]:
    return sorted(set(spec.positions.get(arg, {}).values()))


def passed(call: ast.Call, spec: catalog.LayerSpec, arg: str) -> bool:
    """Surely passed, not None, whatever the flavor (else: maybe missing)."""
    for keyword in call.keywords:
        if keyword.arg == arg:
            return not _is_none(keyword.value)
    positions = _spec_positions(spec, arg)
    if not positions:
        return False
    positional = _positional(call)
    return positions[-1] < len(positional) and not any(_is_none(positional[i]) for i in positions)


def facts(tree: ast.Module, source: str | None = None) -> ModuleFacts:
    return ModuleFacts(tree, source)


def regularizer_values(tree: ast.Module, f: ModuleFacts, options: Options) -> list[ast.Call]:
    """RL002/RL003: the regularizer calls, and layer calls passing a regularizer
    argument (by keyword, or positionally for catalog layers), that are not
    plainly fine: every factor a positive number literal (and no ``factor-min``/
    ``factor-max`` range to check), every regularizer argument a call (judged
    as a regularizer call itself), ``None`` or a string every Keras reads as a
    positive penalty (``"l2"``). A call of a name bound elsewhere (an alias, a
    ``partial``) is a site whatever its arguments."""
    ranged = options.get("factor-min") is not None or options.get("factor-max") is not None
    sites = []
    for call in f.calls:
        found = f.callee_names(call)
        if found is None:
            continue
        names, aliased = found
        regularizers = names & _REGULARIZERS
        layers = [n for n in names if n in _LAYERS]
        if not (regularizers or layers):
            continue
        if (
            aliased
            or (regularizers and (ranged or not all(_plain_factors(call, n) for n in regularizers)))
            or (layers and not _plain_regularizer_arguments(call, layers, ranged))
        ):
            sites.append(call)
    return sites


def _positive_number(expr: ast.expr) -> bool:
    if type(expr) is not ast.Constant or type(expr.value) not in (int, float):
        return False  # bools are not numbers here
    try:
        value = float(expr.value)
    except OverflowError:
        return False
    return 0 < value < math.inf


def _plain_factors(call: ast.Call, name: str) -> bool:
    """At least one factor of regularizer ``name`` is passed, each a positive
    number literal (the parameters ``regularizer_call`` reads: by keyword, or
    by position, ``mode`` aside)."""
    params = catalog.REGULARIZERS[name]
    factors = {p for p in params if p != "mode"}
    passed = [a for i, a in enumerate(call.args) if i < len(params) and params[i] in factors]
    passed += [k.value for k in call.keywords if k.arg in factors]
    return bool(passed) and all(_positive_number(v) for v in passed)


#: Identifiers every Keras knows, for a positive penalty.
_PLAIN_STRINGS = frozenset.intersection(*catalog.STRING_IDENTIFIERS.values()) - (
    catalog.ZERO_STRING_IDENTIFIERS
)


def _plain_regularizer_arguments(call: ast.Call, layers: list[str], ranged: bool) -> bool:
    def plain(value: ast.expr) -> bool:
        if isinstance(value, ast.Call):
            return True
        if not isinstance(value, ast.Constant):
            return False
        return value.value is None or (not ranged and value.value in _PLAIN_STRINGS)

    for keyword in call.keywords:
        if keyword.arg is not None and "regulari" in keyword.arg and not plain(keyword.value):
            return False
    for layer in layers:
        spec = _KERNEL_LAYERS.get(layer)
        if spec is None:
            continue
        positional = _positional(call)
        for arg in spec.positions:
            for index in _spec_positions(spec, arg):
                if index < len(positional) and not plain(positional[index]):
                    return False
    return True


Test = Callable[[ast.Module, ModuleFacts, Options], "bool | list[ast.AST]"]


def may_fire(
    test: Test | None, tree: ast.Module, f: ModuleFacts, options: Options
) -> bool | list[ast.AST]:
    """The verdict of a rule's ``ast`` stage (``RuleInfo.candidates``; None: no
    stage, so it may fire); ``options`` are the rules' options (``[tool.reglint]``)."""
    return True if test is None else test(tree, f, options)


def cross_call_sites(tree: ast.Module, f: ModuleFacts, path: str, index: ProjectIndex) -> bool:
    """May :mod:`reglint.crosscall` report here? A sound over-approximation: the
    module calls a function of its own that makes an open layer call
    (:func:`_open_layer_calls`), or a project function whose summary builds a
    kernel layer a call can leave unregularized (:meth:`ProjectIndex.builds_layers`,
    asked once per callee text), or gives a kernel layer ``**`` or a regularizer
    argument (a regularizer a factor) that names a variable or a project import."""
    imported = _imported_names(f)
    calls = [(call, found[0]) for call in f.calls if (found := f.callee_names(call)) is not None]
    called = {n for _, names in calls for n in names}
    called.update(b for n in list(called) for b in f.bound.get(n, ()))
    layer_calls = _open_layer_calls(calls)
    functions = {
        d.name for d in f.definitions if d.name in called and _builds_layers(d, layer_calls)
    }
    builders: dict[str, bool] = {}  # a callee's dotted text -> its verdict
    for call, names in calls:
        if functions:
            local = call.func.id if isinstance(call.func, ast.Name) else ""
            if not functions.isdisjoint(names) or not functions.isdisjoint(f.bound.get(local, ())):
                return True
        dotted = _dotted(call.func, imported, f.assigned)
        if dotted is not None:
            verdict = builders.get(dotted)
            if verdict is None:
                verdict = _calls_project_builder(call, f, imported, path, index)
                builders[dotted] = verdict
            if verdict:
                return True
        if names.isdisjoint(_KERNEL_LAYERS) and names.isdisjoint(_REGULARIZERS):
            continue
        spec_names = names & _KERNEL_LAYERS.keys()
        if spec_names:
            if any(kw.arg is None for kw in call.keywords):
                return True
            values = _regularizer_values(call, spec_names)
        elif not names.isdisjoint(_REGULARIZERS):
            values = [*call.args, *(kw.value for kw in call.keywords)]
        else:
            continue
        for value in values:
            for node in ast.walk(value):
                if not isinstance(node, ast.Name) or node.id in ("None", "True", "False"):
                    continue
                if _plain_constant(f, node.id):
                    continue
                if node.id in f.assigned or node.id in f.bound or _annotated(f, node.id):
                    return True
                if any(index.is_project_name(path, q) for q in imported.get(node.id, ())):
                    return True
    return False


def number_literal(expr: ast.expr) -> bool:
    """``1e-4``, ``-1``: a factor the single-call rules judge as written."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
        expr = expr.operand
    return type(expr) is ast.Constant and type(expr.value) in (int, float)


def _plain_constant(f: ModuleFacts, name: str) -> bool:
    """``REG = regularizers.L2(1e-4)`` (every assignment of ``name`` in the module):
    a regularizer whose factors are written as numbers, which RL003 judges at
    that call, or a string every Keras reads as a positive penalty. The
    cross-call analysis has nothing to add about a layer given it."""
    values = f.assigned_values(name)
    if not values or name in f.bound or _annotated(f, name):
        return False
    for value in values:
        if isinstance(value, ast.Constant) and value.value in _PLAIN_STRINGS:
            continue
        if not isinstance(value, ast.Call):
            return False
        found = f.callee_names(value)
        if found is None or found[0].isdisjoint(_REGULARIZERS):
            return False
        arguments = [*value.args, *(k.value for k in value.keywords)]
        if any(k.arg is None for k in value.keywords) or not all(map(number_literal, arguments)):
            return False
    return True


def _dotted(func: ast.expr, imported: Container[str], assigned: Container[str]) -> str | None:
    """``a.b.c`` for a Name/Attribute chain whose head an import or an assignment
    binds, else None: :func:`_qualified` finds nothing in any other callee."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or (func.id not in imported and func.id not in assigned):
        return None
    parts.append(func.id)
    return ".".join(reversed(parts))


def _regularizer_values(call: ast.Call, layers: frozenset[str]) -> list[ast.expr]:
    """The arguments of a layer call that may be one of its regularizer arguments."""
    args = {a for name in layers for a in _KERNEL_LAYERS[name].kernel_args}
    values = [kw.value for kw in call.keywords if kw.arg in args]
    positions = {
        p
        for name in layers
        for a in _KERNEL_LAYERS[name].kernel_args
        for p in _KERNEL_LAYERS[name].positions.get(a, {}).values()
    }
    values += [arg for i, arg in enumerate(call.args) if i in positions]
    if any(isinstance(a, ast.Starred) for a in call.args):
        values += call.args
    return values


def _annotated(f: ModuleFacts, name: str) -> bool:
    return any(isinstance(a.target, ast.Name) and a.target.id == name for a in f.annotated)


def _imported_names(f: ModuleFacts) -> dict[str, set[str]]:
    """Local name -> the dotted names imports (at any level of the module) bind it to."""
    found: dict[str, set[str]] = {}
    for stmt in f.imports:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                local = alias.asname or alias.name.partition(".")[0]
                found.setdefault(local, set()).add(alias.name if alias.asname else local)
        else:
            base = "." * stmt.level + (stmt.module or "")
            sep = "" if base.endswith(".") else "."
            for alias in stmt.names:
                if alias.name != "*":
                    found.setdefault(alias.asname or alias.name, set()).add(
                        f"{base}{sep}{alias.name}"
                    )
    return found


def _calls_project_builder(
    call: ast.Call, f: ModuleFacts, imported: dict[str, set[str]], path: str, index: ProjectIndex
) -> bool:
    """Does ``call`` name (directly, through an alias or ``partial``) a project
    function that builds a kernel layer a call can leave unregularized? A Keras
    name is never one: the analysis judges Keras's layers and follows nothing
    else of Keras (even where the linted tree is Keras's own source)."""
    return any(
        q is None or (keras_symbol(q) is None and index.builds_layers(path, q))
        for q in _qualified(call.func, f, imported)
    )


def _qualified(
    func: ast.expr, f: ModuleFacts, imported: dict[str, set[str]]
) -> Iterator[str | None]:
    """The dotted names a callee may denote through imports, assignments
    (``c = blocks.conv_block``) and ``partial`` (any scope: over-approximated)."""
    todo: list[tuple[ast.expr, str]] = [(func, "")]
    seen: set[tuple[str, str]] = set()
    while todo and len(seen) <= _MAX_ALIASES:
        expr, suffix = todo.pop()
        attrs: list[str] = []
        while isinstance(expr, ast.Attribute):
            attrs.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            continue
        suffix = "".join(f".{a}" for a in reversed(attrs)) + suffix
        if (expr.id, suffix) in seen or suffix.count(".") > _MAX_ATTRIBUTES:
            continue  # ``x = x.T``: a value, not a function
        seen.add((expr.id, suffix))
        for qualified in imported.get(expr.id, ()):
            yield qualified + suffix
        if expr.id in f.assigned:
            for value in f.assigned_values(expr.id):
                if isinstance(value, ast.Call) and value.args and _is_partial(value.func):
                    value = value.args[0]
                if isinstance(value, (ast.Name, ast.Attribute)):
                    todo.append((value, suffix))
    if todo:
        yield None  # too many aliases to follow: may be anything


def _is_partial(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name == "partial"


_Span = tuple[tuple[int, int], tuple[int, int]]


def _open_layer_calls(calls: list[tuple[ast.Call, frozenset[str]]]) -> list[_Span]:
    """Where the module calls a kernel layer (by any name it may resolve to) with
    ``**`` or a regularizer argument that names something: only such a call can
    leave a helper's layer depending on the helper's parameters (a summary need
    that a call of the helper decides); the others are judged where they are."""
    spans = []
    for call, names in calls:
        if names.isdisjoint(_KERNEL_LAYERS):
            continue
        layers = names & _KERNEL_LAYERS.keys()
        if any(kw.arg is None for kw in call.keywords) or any(
            _names_something(value) for value in _regularizer_values(call, frozenset(layers))
        ):
            end = (call.end_lineno or call.lineno, call.end_col_offset or 0)
            spans.append(((call.lineno, call.col_offset), end))
    return spans


def _names_something(value: ast.expr) -> bool:
    return any(
        isinstance(node, ast.Name) and node.id not in ("None", "True", "False")
        for node in ast.walk(value)
    )


def _builds_layers(
    definition: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, layer_calls: list[_Span]
) -> bool:
    """Does a function (or a class: its constructor) make an open layer call
    (:func:`_open_layer_calls`) anywhere in it (decorators included)? The
    innermost helper of any chain does, so a call of it passes the gate. A call
    is in the function's subtree exactly when it lies within its span."""
    if not layer_calls:
        return False
    first = min((definition, *definition.decorator_list), key=lambda n: (n.lineno, n.col_offset))
    start = (first.lineno, first.col_offset)
    end = (definition.end_lineno or definition.lineno, definition.end_col_offset or 0)
    return any(start <= s and e <= end for s, e in layer_calls)
