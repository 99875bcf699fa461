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

from . import catalog

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
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: The node types :class:`ModuleFacts` records.
_COLLECTED = frozenset(
    {ast.Call, *DEFINITIONS, ast.Lambda, ast.Import, ast.ImportFrom, ast.AnnAssign, ast.Assign}
)


class ModuleFacts:
    """The calls of a module and the plain names bound to other names."""

    def __init__(self, tree: ast.Module) -> None:
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
        for node in iter_nodes(tree):
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


def _has_star(call: ast.Call) -> bool:
    return any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    )


def _spec_positions(spec: catalog.LayerSpec, arg: str) -> list[int]:
    return sorted(set(spec.positions.get(arg, {}).values()))


def _passed(call: ast.Call, spec: catalog.LayerSpec, arg: str) -> bool:
    """Surely passed, not None, whatever the flavor (else: maybe missing)."""
    for keyword in call.keywords:
        if keyword.arg == arg:
            return not _is_none(keyword.value)
    positions = _spec_positions(spec, arg)
    if not positions:
        return False
    positional = _positional(call)
    return positions[-1] < len(positional) and not any(_is_none(positional[i]) for i in positions)


def facts(tree: ast.Module) -> ModuleFacts:
    return ModuleFacts(tree)


def missing_kernel_regularizer(
    tree: ast.Module, f: ModuleFacts, options: Options
) -> list[ast.Call]:
    """RL001: the catalog layer calls that may lack a required regularizer argument."""
    sites = []
    for call in f.calls:
        found = f.callee_names(call)
        if found is None:
            continue
        names, aliased = found
        layers = [n for n in names if n in _KERNEL_LAYERS]
        if not layers:
            continue
        if aliased:
            sites.append(call)
            continue
        if _has_star(call):
            continue
        for layer in layers:
            spec = _KERNEL_LAYERS[layer]
            required = {*spec.kernel_args, *spec.required_args(True)}
            if not all(_passed(call, spec, arg) for arg in required):
                sites.append(call)
                break
    return sites


def regularizer_values(tree: ast.Module, f: ModuleFacts, options: Options) -> bool:
    """RL002/RL003: a regularizer call, or a layer call passing a regularizer
    argument (by keyword, or positionally for catalog layers), unless plainly
    fine: every factor a positive number literal (and no ``factor-min``/
    ``factor-max`` range to check), every regularizer argument a call (judged
    as a regularizer call itself), ``None`` or a string every Keras reads as a
    positive penalty (``"l2"``)."""
    ranged = options.get("factor-min") is not None or options.get("factor-max") is not None
    for call in f.calls:
        found = f.callee_names(call)
        if found is None:
            continue
        names, aliased = found
        regularizers = names & _REGULARIZERS
        layers = [n for n in names if n in _LAYERS]
        if not (regularizers or layers):
            continue
        if aliased:
            return True
        if regularizers and (ranged or not all(_plain_factors(call, n) for n in regularizers)):
            return True
        if layers and not _plain_regularizer_arguments(call, layers, ranged):
            return True
    return False


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


def regularizer_keyword_not_accepted(tree: ast.Module, f: ModuleFacts, options: Options) -> bool:
    """RL007: a layer call with a ``regul`` keyword the layer does not accept."""
    for call in f.calls:
        keywords = [
            k.arg
            for k in call.keywords
            if k.arg is not None and catalog.is_regularizer_keyword(k.arg)
        ]
        if not keywords:
            continue
        found = f.callee_names(call)
        if found is None:
            continue
        names, _ = found
        for name in names:
            if name not in _LAYERS:
                continue
            accepted = catalog.accepted_regularizer_args(name)
            if accepted is not None and any(k not in accepted for k in keywords):
                return True
    return False


_WEIGHT_ARGS = catalog.WEIGHT_REGULARIZER_ARGS
_CONSTRUCTION = frozenset({"__init__", "build"})


def regularizer_set_after_build(tree: ast.Module, f: ModuleFacts, options: Options) -> bool:
    """RL005: a weight-regularizer attribute assigned (other than ``self.X`` in a
    class's ``__init__``/``build``), or ``setattr`` with such a string."""
    if any(_rl005_setattr(call) for call in f.calls):
        return True
    targets = [*(t for a in f.assigns for t in a.targets)]
    targets += [a.target for a in f.annotated if a.value is not None]
    # Only then is where the assignment stands worth a walk of the tree.
    if not any(_rl005_target(t, None, False) for t in targets):
        return False
    return _rl005(tree, None, False)


def _rl005(node: ast.AST, function: str | None, in_class: bool) -> bool:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _rl005(child, child.name, in_class):
                return True
            continue
        if isinstance(child, ast.ClassDef):
            if _rl005(child, function, True):
                return True
            continue
        if isinstance(child, ast.Assign):
            if any(_rl005_target(t, function, in_class) for t in child.targets):
                return True
        elif isinstance(child, ast.AnnAssign) and child.value is not None:
            if _rl005_target(child.target, function, in_class):
                return True
        elif isinstance(child, ast.Call) and _rl005_setattr(child):
            return True
        if _rl005(child, function, in_class):
            return True
    return False


def _rl005_target(target: ast.expr, function: str | None, in_class: bool) -> bool:
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_rl005_target(e, function, in_class) for e in target.elts)
    if isinstance(target, ast.Starred):
        return _rl005_target(target.value, function, in_class)
    if isinstance(target, ast.Attribute) and target.attr in _WEIGHT_ARGS:
        is_self = isinstance(target.value, ast.Name) and target.value.id == "self"
        return not (is_self and in_class and function in _CONSTRUCTION)
    return False


def _rl005_setattr(call: ast.Call) -> bool:
    if not (isinstance(call.func, ast.Name) and call.func.id == "setattr"):
        return False
    for value in [*call.args, *(k.value for k in call.keywords)]:
        if isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)):
            text = value.value if isinstance(value.value, str) else value.value.decode("latin-1")
            if text in _WEIGHT_ARGS:
                return True
    return False


def late_bound_add_loss(tree: ast.Module, f: ModuleFacts, options: Options) -> bool:
    """RL008: ``add_loss(lambda ...)`` (the rule then needs it inside a loop)."""
    for call in f.calls:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name != "add_loss":
            continue
        for value in [*call.args, *(k.value for k in call.keywords)]:
            if isinstance(value, ast.Starred):
                value = value.value
            if isinstance(value, ast.Lambda):
                return True
    return False


_LEGACY_ENV = catalog.LEGACY_KERAS_ENV


def mixed_keras_flavors(tree: ast.Module, f: ModuleFacts, options: Options) -> bool:
    """RL010: objects of Keras 2 and of Keras 3. Every resolved name starts with
    an imported module's top name. Keras 3 comes from ``keras``/``keras_core``,
    or ``tf.keras`` (``tensorflow``); Keras 2 from ``tf_keras``, a
    ``tensorflow...python...keras`` path, or ``tf.keras`` under the variable."""
    roots = f.import_roots
    tensorflow = "tensorflow" in roots
    if not (tensorflow or "keras" in roots or "keras_core" in roots):
        return False
    if "tf_keras" in roots:
        return True
    return tensorflow and (_names_legacy_env(tree) or _python_keras(tree))


def _names_legacy_env(tree: ast.Module) -> bool:
    """The variable's name as a string or a keyword (``os.environ.update(X=...)``)."""
    for node in iter_nodes(tree):
        if isinstance(node, ast.Constant) and node.value == _LEGACY_ENV:
            return True
        if isinstance(node, ast.keyword) and node.arg == _LEGACY_ENV:
            return True
    return False


def _python_keras(tree: ast.Module) -> bool:
    """A path through ``python`` to ``keras`` (``tensorflow.python.keras``): in
    an import, or an attribute ``keras`` reached through ``.python`` or through
    a name imported from a ``python`` path."""
    through_python: set[str] = set()
    attributes: list[ast.Attribute] = []
    for node in iter_nodes(tree):
        if isinstance(node, ast.Attribute):
            if node.attr == "keras":
                attributes.append(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
            for alias in node.names:
                parts = [*module.split("."), *alias.name.split(".")]
                if "python" in parts:
                    if "keras" in parts[parts.index("python") :]:
                        return True
                    through_python.add(alias.asname or alias.name.partition(".")[0])
    for attribute in attributes:
        value: ast.expr = attribute.value
        while isinstance(value, ast.Attribute):
            if value.attr == "python":
                return True
            value = value.value
        if isinstance(value, ast.Name) and value.id in through_python:
            return True
    return False


_VARIABLES = frozenset({"trainable_variables", "trainable_weights", "variables", "weights"})


def gradient_calls(tree: ast.Module, f: ModuleFacts, options: Options) -> bool:
    """RL006: a ``<tape>.gradient(target, sources)`` or ``<optimizer>.minimize(loss,
    var_list, tape=...)`` call whose arguments may name a model's variables
    (``m.trainable_variables``, in a list, a sum, ``list(...)``, a name assigned
    such a value, three steps deep as the rule follows them, or a parameter of a
    function: variables passed in); with ``preview``, also a call of an imported
    name given such variables (its gradient is taken in another module). The
    rule reports only where it finds one."""
    values: dict[str, list[ast.expr]] = {}
    for node in f.assigns:
        for target in node.targets:
            if isinstance(target, ast.Name):
                values.setdefault(target.id, []).append(node.value)
    for node in f.annotated:
        if isinstance(node.target, ast.Name) and node.value is not None:
            values.setdefault(node.target.id, []).append(node.value)
    params = {
        a.arg
        for d in f.definitions
        if not isinstance(d, ast.ClassDef)
        for a in (*d.args.posonlyargs, *d.args.args, *d.args.kwonlyargs)
    }
    imported = (
        {(a.asname or a.name).partition(".")[0] for node in f.imports for a in node.names}
        if options.get("preview")
        else set()
    )
    for call in f.calls:
        func = call.func
        arguments = [*call.args, *(k.value for k in call.keywords)]
        stepping = isinstance(func, ast.Attribute) and func.attr in ("gradient", "minimize")
        if stepping and len(arguments) >= 2:
            if any(_may_name_variables(a, values, 0, params) for a in arguments):
                return True
            continue
        head = func
        while isinstance(head, ast.Attribute):
            head = head.value
        passes = isinstance(head, ast.Name) and head.id in imported
        if passes and any(_may_name_variables(a, values, 0, frozenset()) for a in arguments):
            return True
    return False


def _may_name_variables(
    expr: ast.expr, values: dict[str, list[ast.expr]], depth: int, params: Container[str]
) -> bool:
    if depth > 3:
        return False
    if isinstance(expr, ast.Starred):
        return _may_name_variables(expr.value, values, depth, params)
    if isinstance(expr, ast.Attribute):
        return expr.attr in _VARIABLES
    if isinstance(expr, (ast.List, ast.Tuple)):
        return any(_may_name_variables(e, values, depth + 1, params) for e in expr.elts)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _may_name_variables(expr.left, values, depth + 1, params) or _may_name_variables(
            expr.right, values, depth + 1, params
        )
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "list":
        arguments = [*expr.args, *(k.value for k in expr.keywords)]
        return bool(arguments) and _may_name_variables(arguments[0], values, depth + 1, params)
    if isinstance(expr, ast.Name):
        return expr.id in params or any(
            _may_name_variables(v, values, depth + 1, params) for v in values.get(expr.id, ())
        )
    return False


Test = Callable[[ast.Module, ModuleFacts, Options], "bool | list[ast.Call]"]
#: The tests by name, as rules name them (``Rule.candidates``).
TESTS: dict[str, Test] = {
    test.__name__: test
    for test in (
        missing_kernel_regularizer,
        regularizer_values,
        regularizer_keyword_not_accepted,
        regularizer_set_after_build,
        late_bound_add_loss,
        mixed_keras_flavors,
        gradient_calls,
    )
}


def may_fire(
    name: str | None, tree: ast.Module, f: ModuleFacts, options: Options
) -> bool | list[ast.Call]:
    """The verdict of the test a rule names (None: no test, so it may fire);
    ``options`` are the rules' options (``[tool.reglint]``)."""
    return True if name is None else TESTS[name](tree, f, options)


def cross_call_sites(tree: ast.Module, f: ModuleFacts, path: str, index: ProjectIndex) -> bool:
    """May :mod:`reglint.crosscall` report here? A sound over-approximation: the
    module calls a function of its own that calls a kernel layer, or a project
    function whose summary builds one (:meth:`ProjectIndex.builds_layers`), or
    gives a kernel layer ``**`` or a regularizer argument (a regularizer a
    factor) that names a variable or a project import."""
    imported = _imported_names(f)
    called = {n for call in f.calls for n in (f.callee_names(call) or ((),))[0]}
    called.update(b for n in list(called) for b in f.bound.get(n, ()))
    functions = {
        d.name
        for d in f.definitions
        if d.name in called and not isinstance(d, ast.ClassDef) and _builds_layers(d, f)
    }
    for call in f.calls:
        found = f.callee_names(call)
        if found is None:
            continue
        names = found[0]
        local = call.func.id if isinstance(call.func, ast.Name) else ""
        if not functions.isdisjoint(names) or not functions.isdisjoint(f.bound.get(local, ())):
            return True
        if _calls_project_builder(call, f, imported, path, index):
            return True
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
                if node.id in f.assigned or node.id in f.bound or _annotated(f, node.id):
                    return True
                if any(index.is_project_name(path, q) for q in imported.get(node.id, ())):
                    return True
    return False


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
    function that builds a kernel layer a call can leave unregularized?"""
    return any(
        q is None or index.builds_layers(path, q) for q in _qualified(call.func, f, imported)
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


def _builds_layers(definition: ast.AST, f: ModuleFacts) -> bool:
    """Does a function call a kernel layer (or star-forward) anywhere in its body?
    The innermost helper of any chain does, so a call of it passes the gate."""
    for node in ast.walk(definition):
        if isinstance(node, ast.Call):
            found = f.callee_names(node)
            if found is not None and not found[0].isdisjoint(_KERNEL_LAYERS):
                return True
    return False
