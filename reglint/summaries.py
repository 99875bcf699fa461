"""Function summaries: which layers a function builds and where each of their
regularizers (and its factors) comes from, in terms of the function's own
parameters, so that RL001 and RL003 can be judged at each call.

A summary is a list of :class:`Need`: a layer built by the function (or by a
helper it calls, through at most :data:`MAX_CALL_DEPTH` calls) whose
regularizer argument is an abstract :data:`Value` depending on the function's
parameters (:class:`Param`) or on the keys of its ``**kwargs`` (:class:`KwKey`).
A call of the function substitutes what it passes (positionally, by keyword,
through ``**`` a dict whose keys are known, bound by ``functools.partial``) or
the parameter's default; a need that no longer depends on any parameter is
judged at that call. Anything not known statically is :data:`UNKNOWN` and is
never reported. Summaries are computed from CPython's ``ast`` and the
:mod:`reglint.semantic` model of the module, on demand, once per function.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import catalog
from .candidates import number_literal
from .keras_names import keras_symbol
from .semantic import Scope, SemanticModel

if TYPE_CHECKING:
    from .project_index import ProjectIndex

#: How many helper calls deep a layer is followed (``net -> stage -> block -> Conv2D``
#: is three).
MAX_CALL_DEPTH = 6
#: How many names a constant may go through (``A = B``, ``from .settings import A``).
MAX_ALIAS_DEPTH = 8


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


UNKNOWN = _Unknown()
#: The argument is not passed at all.
MISSING = _Missing()


@dataclass(frozen=True)
class Const:
    value: object  # None, bool, int, float or str


@dataclass(frozen=True)
class Param:
    """The function's parameter ``name``."""

    name: str


@dataclass(frozen=True)
class KwKey:
    """Key ``name`` of the function's ``**kwargs``, forwarded to the layer."""

    name: str


@dataclass(frozen=True)
class Reg:
    """A Keras regularizer built with these factors (parameter -> value)."""

    name: str
    flavor: str
    factors: tuple[tuple[str, Value], ...]
    opaque: bool = False  # ``*args``/``**kwargs`` passed: a factor may be hidden
    #: every factor written as a number in the call (or left to its default):
    #: RL003 itself reports the call, so no use of it is reported again
    literal: bool = False


@dataclass(frozen=True)
class DictValue:
    """A dict whose string keys are all known (a literal, ``dict(...)``)."""

    items: tuple[tuple[str, Value], ...]

    def get(self, key: str) -> Value:
        for k, v in self.items:
            if k == key:
                return v
        return MISSING


Value = _Unknown | _Missing | Const | Param | KwKey | Reg | DictValue


@dataclass(frozen=True)
class Site:
    """Where a layer is built: a file and 1-based row and column."""

    path: str
    row: int
    column: int
    layer: str
    flavor: str


@dataclass(frozen=True)
class Need:
    """The layer at ``site`` gets ``value`` for its argument ``arg``;
    ``helpers`` are the functions the layer is reached through, outermost first."""

    site: Site
    arg: str
    value: Value
    helpers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """A call (or a layer) that leaves a layer unregularized (RL001) or its
    factor ineffective (RL003)."""

    code: str
    node: ast.AST  # in the module being analyzed
    need: Need
    value: Value
    detail: str
    #: the helper's parameters (or ``**kwargs`` keys) the verdict depends on
    blamed: tuple[str, ...] = ()
    callee: str | None = None
    #: the keyword the fix passes at the call (RL001 through a parameter only)
    fix_keyword: str | None = None
    #: where the helper takes that keyword positionally (its index in the call)
    fix_position: int | None = None


@dataclass
class FunctionSummary:
    name: str
    positional: list[str]
    defaults: dict[str, Value]
    kwonly: list[str]
    vararg: str | None
    kwarg: str | None
    needs: list[Need] = field(default_factory=list)
    is_method: bool = False
    #: a class called as a constructor: its ``__init__``'s parameters
    is_class: bool = False


def depends(value: Value) -> bool:
    """Does ``value`` depend on the function's parameters?"""
    if isinstance(value, (Param, KwKey)):
        return True
    if isinstance(value, Reg):
        return any(depends(v) for _, v in value.factors)
    if isinstance(value, DictValue):
        return any(depends(v) for _, v in value.items)
    return False


def referenced(value: Value) -> Iterator[str]:
    if isinstance(value, (Param, KwKey)):
        yield value.name
    elif isinstance(value, Reg):
        for _, v in value.factors:
            yield from referenced(v)


class ModuleAnalysis:
    """One module's semantic model, constants and function summaries."""

    def __init__(
        self, path: str, source: str, tree: ast.Module, index: ProjectIndex | None, options=None
    ) -> None:
        self.path = path
        self.tree = tree
        self.lines = source.splitlines()
        self.model = SemanticModel(tree)
        self.index = index
        self.require_recurrent = bool((options or {}).get("require-recurrent", False))
        self._summaries: dict[int, FunctionSummary | None] = {}
        self._functions: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self._in_progress: set[int] = set()
        #: While a class is summarized: ``self``'s name in the method being read,
        #: that method's scope, and what ``__init__`` assigns each ``self.<attr>``.
        self._selves: tuple[str, Scope, dict[str, Value]] | None = None
        self.problems: list[Problem] = []

    # --- positions ------------------------------------------------------------

    def column(self, node: ast.AST) -> int:
        """1-based column, in characters, of ``node``'s start."""
        line = self.lines[node.lineno - 1] if node.lineno - 1 < len(self.lines) else ""  # type: ignore[attr-defined]
        raw = line.encode("utf-8")[: node.col_offset]  # type: ignore[attr-defined]
        return len(raw.decode("utf-8", "ignore")) + 1

    def end_column(self, node: ast.AST) -> int:
        row = node.end_lineno  # type: ignore[attr-defined]
        line = self.lines[row - 1] if row - 1 < len(self.lines) else ""
        raw = line.encode("utf-8")[: node.end_col_offset]  # type: ignore[attr-defined]
        return len(raw.decode("utf-8", "ignore")) + 1

    # --- values ---------------------------------------------------------------

    def value_of(self, expr: ast.expr | None, scope: Scope, owner: Scope | None, depth=0) -> Value:
        """What ``expr`` evaluates to in ``scope``; ``owner`` is the function
        whose parameters stay symbolic (:class:`Param`)."""
        if expr is None or depth > MAX_ALIAS_DEPTH:
            return UNKNOWN
        if isinstance(expr, ast.Constant):
            value = expr.value
            return Const(value) if isinstance(value, (int, float, str, type(None))) else UNKNOWN
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            inner = self.value_of(expr.operand, scope, owner, depth + 1)
            number = isinstance(inner, Const) and isinstance(inner.value, (int, float))
            if number and not isinstance(inner.value, bool):  # type: ignore[union-attr]
                return Const(-inner.value if isinstance(expr.op, ast.USub) else inner.value)
            return UNKNOWN
        if isinstance(expr, ast.Name):
            return self._name_value(expr.id, scope, owner, depth)
        if isinstance(expr, ast.Attribute) and self._selves is not None:
            return self._self_value(expr, scope)
        if isinstance(expr, ast.Dict):
            return self._dict_literal(expr, scope, owner, depth)
        if isinstance(expr, ast.Call):
            return self._call_value(expr, scope, owner, depth)
        return UNKNOWN

    def _name_value(self, name: str, scope: Scope, owner: Scope | None, depth: int) -> Value:
        model = self.model
        where = model.resolving_scope(name, scope)
        binding = model.binding(name, scope)
        if binding is None:
            return UNKNOWN
        if binding.kind == "param":
            return Param(name) if where is owner else UNKNOWN
        if binding.kind == "assign":
            if where is not model.module and where is not owner:
                # A closure's variable: known only when nothing rebinds it (the
                # single binding of its function, and no ``nonlocal`` of it).
                if any(name in s.nonlocals and _within(s, where) for s in model.scopes.values()):
                    return UNKNOWN
                return self.value_of(binding.value, binding.scope or scope, None, depth + 1)
            return self.value_of(binding.value, binding.scope or scope, owner, depth + 1)
        if binding.kind == "import" and binding.qualified and self.index is not None:
            return self.index.constant(self.path, binding.qualified, depth + 1)
        return UNKNOWN

    def _dict_literal(self, expr: ast.Dict, scope: Scope, owner: Scope | None, depth: int) -> Value:
        items: list[tuple[str, Value]] = []
        for key, value in zip(expr.keys, expr.values, strict=True):
            if key is None:  # {**other}
                inner = self.value_of(value, scope, owner, depth + 1)
                if not isinstance(inner, DictValue):
                    return UNKNOWN
                items.extend(inner.items)
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                items.append((key.value, self.value_of(value, scope, owner, depth + 1)))
            else:
                return UNKNOWN
        return DictValue(tuple(_last_wins(items)))

    def _call_value(self, call: ast.Call, scope: Scope, owner: Scope | None, depth: int) -> Value:
        func = call.func
        if (
            isinstance(func, ast.Name)
            and func.id == "dict"
            and not self.model.is_bound("dict", scope)
        ):
            items: list[tuple[str, Value]] = []
            if call.args:
                if len(call.args) != 1:
                    return UNKNOWN
                first = self.value_of(call.args[0], scope, owner, depth + 1)
                if not isinstance(first, DictValue):
                    return UNKNOWN
                items.extend(first.items)
            for kw in call.keywords:
                if kw.arg is None:
                    inner = self.value_of(kw.value, scope, owner, depth + 1)
                    if not isinstance(inner, DictValue):
                        return UNKNOWN
                    items.extend(inner.items)
                else:
                    items.append((kw.arg, self.value_of(kw.value, scope, owner, depth + 1)))
            return DictValue(tuple(_last_wins(items)))
        returned = self._returned_dict(func, scope, depth)
        if returned is not None:
            return returned
        symbol = keras_symbol(self.model.resolve(func, scope)) if _named(func) else None
        if symbol is not None and symbol.is_regularizer and symbol.name == "get":
            # ``regularizers.get(x)``: None stays None, a regularizer itself, a name a regularizer
            if len(call.args) == 1 and not call.keywords:
                return self.value_of(call.args[0], scope, owner, depth + 1)
            return UNKNOWN
        if symbol is None or not symbol.is_regularizer or symbol.name not in catalog.REGULARIZERS:
            return UNKNOWN
        params = catalog.REGULARIZERS[symbol.name]
        factor_names = [p for p in params if p != "mode"]
        factors: dict[str, Value] = {}
        opaque = False
        literal = all(number_literal(a) for a in [*call.args, *(k.value for k in call.keywords)])
        for index, arg in enumerate(call.args):
            if isinstance(arg, ast.Starred):
                opaque = True
                break
            if index < len(params) and params[index] in factor_names:
                factors[params[index]] = self.value_of(arg, scope, owner, depth + 1)
        for kw in call.keywords:
            if kw.arg is None:
                opaque = True
            elif kw.arg in factor_names:
                factors[kw.arg] = self.value_of(kw.value, scope, owner, depth + 1)
        return Reg(symbol.name, symbol.flavor, tuple(factors.items()), opaque, literal)

    def _returned_dict(self, func: ast.expr, scope: Scope, depth: int) -> DictValue | None:
        """A call of a function of this module every ``return`` of which is a dict
        display with string keys (``def get_submodules(): return {"layers": ...}``)."""
        if not isinstance(func, ast.Name):
            return None
        binding = self.model.binding(func.id, scope)
        if binding is None or binding.kind != "def" or binding.node is None:
            return None
        node = binding.node
        inner = self.model.scope_of(node)
        returns = [n.value for n in _own_nodes(node) if isinstance(n, ast.Return)]  # type: ignore[arg-type]
        if inner is None or not returns or not all(isinstance(r, ast.Dict) for r in returns):
            return None
        values = {self._dict_literal(r, inner, None, depth + 1) for r in returns}  # type: ignore[arg-type]
        found = values.pop()
        return found if not values and isinstance(found, DictValue) else None

    # --- summaries ------------------------------------------------------------

    def function_named(self, name: str) -> FunctionSummary | None:
        """The summary of the module-level function (or class) ``name`` (for importers)."""
        binding = self.model.binding(name, self.model.module)
        if binding is None:
            return None
        if binding.kind == "class":
            return self.class_summary(binding.node)  # type: ignore[arg-type]
        if binding.kind != "def":
            return None
        return self.summary(binding.node)  # type: ignore[arg-type]

    def class_summary(self, node: ast.ClassDef) -> FunctionSummary | None:
        """A class called as a constructor: the parameters of its own ``__init__``,
        and the layers its methods build whose regularizer is one of them,
        directly or through ``self.<attr>`` (:meth:`_self_attributes`). None
        without an ``__init__`` of its own."""
        return self._memo(node, self._summarize_class)

    def _summarize_class(self, node: ast.ClassDef) -> FunctionSummary | None:
        methods = [s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
        init = next((m for m in methods if m.name == "__init__"), None)
        signature = self.summary(init) if init is not None else None
        init_scope = self.model.scope_of(init) if init is not None else None
        if signature is None or init_scope is None or not init.args.args:  # type: ignore[union-attr]
            return None
        attributes = self._self_attributes(methods, init, init_scope)  # type: ignore[arg-type]
        needs: list[Need] = []
        for method in methods:
            scope = self.model.scope_of(method)
            if scope is None or not method.args.args:
                continue
            # Only ``__init__``'s parameters are the call's arguments.
            owner = scope if method is init else None
            outer, self._selves = self._selves, (method.args.args[0].arg, scope, attributes)
            try:
                needs.extend(self._needs_in(method.body, scope, owner))
            finally:
                self._selves = outer
        return FunctionSummary(
            node.name,
            signature.positional,
            signature.defaults,
            signature.kwonly,
            signature.vararg,
            signature.kwarg,
            needs,
            is_method=True,
            is_class=True,
        )

    def _self_attributes(
        self, methods: list, init: ast.FunctionDef | ast.AsyncFunctionDef, init_scope: Scope
    ) -> dict[str, Value]:
        """``self.<attr>`` -> its value in ``__init__``'s terms, for each attribute
        the class assigns only by plain assignments in ``__init__``, all of one
        value (or a parameter and ``None``: the ``if reg is not None`` idiom)."""
        assigned: dict[str, list[ast.expr | None]] = {}
        for method in methods:
            if not method.args.args:
                continue
            this = method.args.args[0].arg
            for node in _own_nodes(method):
                targets: list[ast.expr] = []
                value: ast.expr | None = None
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                    targets = [node.target]
                    value = node.value if isinstance(node, ast.AnnAssign) else None
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
                    items = node.items if isinstance(node, (ast.With, ast.AsyncWith)) else []
                    targets = (
                        [node.target]
                        if isinstance(node, (ast.For, ast.AsyncFor))
                        else [i.optional_vars for i in items if i.optional_vars is not None]
                    )
                plain = method is init and isinstance(node, ast.Assign) and len(targets) == 1
                pairs = dict(_paired(targets[0], value)) if plain and value is not None else {}
                for target in targets:
                    for element in _flattened(target):
                        if (
                            isinstance(element, ast.Attribute)
                            and isinstance(element.value, ast.Name)
                            and element.value.id == this
                        ):
                            found = pairs.get(id(element))
                            assigned.setdefault(element.attr, []).append(found)
        values: dict[str, Value] = {}
        for attr, found in assigned.items():
            if any(value is None for value in found):
                continue
            seen = {self.value_of(value, init_scope, init_scope) for value in found}
            params = {v for v in seen if isinstance(v, Param)}
            if len(seen) == 1:
                values[attr] = seen.pop()
            elif len(params) == 1 and seen - params == {Const(None)}:
                # ``if reg is not None: self.reg = get(reg)`` / ``else: self.reg = None``
                values[attr] = params.pop()
        return values

    def _self_value(self, expr: ast.Attribute, scope: Scope) -> Value:
        assert self._selves is not None
        this, method_scope, attributes = self._selves
        base = expr.value
        if not isinstance(base, ast.Name) or base.id != this:
            return UNKNOWN
        if self.model.resolving_scope(this, scope) is not method_scope:
            return UNKNOWN  # ``self`` rebound, or another function's
        return attributes.get(expr.attr, UNKNOWN)

    def summary(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionSummary | None:
        return self._memo(node, self._summarize)

    def _memo(
        self, node: ast.AST, summarize: Callable[[Any], FunctionSummary | None]
    ) -> FunctionSummary | None:
        """``summarize(node)``, once per node; None inside its own recursion
        (what the cycle adds is not followed)."""
        key = id(node)
        if key in self._summaries:
            return self._summaries[key]
        if key in self._in_progress:
            return None
        self._in_progress.add(key)
        try:
            summary = summarize(node)
        finally:
            self._in_progress.discard(key)
        self._summaries[key] = summary
        return summary

    def _summarize(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionSummary | None:
        scope = self.model.scope_of(node)
        if scope is None or scope.parent is None:
            return None
        args = node.args
        positional = [a.arg for a in [*args.posonlyargs, *args.args]]
        defaults: dict[str, Value] = {}
        for arg, default in zip(reversed(positional), reversed(args.defaults), strict=False):
            defaults[arg] = self.value_of(default, scope.parent, None)
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if default is not None:
                defaults[arg.arg] = self.value_of(default, scope.parent, None)
        summary = FunctionSummary(
            node.name,
            positional,
            defaults,
            [a.arg for a in args.kwonlyargs],
            args.vararg.arg if args.vararg else None,
            args.kwarg.arg if args.kwarg else None,
            is_method=scope.parent.kind == "class",
        )
        summary.needs = list(self._needs_in(node.body, scope, scope))
        for inner in _returned_functions(node):
            # ``def block(filters, reg=None): def apply(x): ... return apply``:
            # the layer is built when the result is called, with ``block``'s arguments.
            inner_scope = self.model.scope_of(inner)
            if inner_scope is not None:
                summary.needs += self._needs_in(inner.body, inner_scope, scope)
        return summary

    def module_problems(self) -> list[Problem]:
        """Every problem this module's own code shows: calls of helpers that leave
        a layer unregularized, and layers whose regularizer comes from a constant."""
        self.problems = []
        for _ in self._needs_in(self.tree.body, self.model.module, None, judging=True):
            pass
        for scope in list(self.model.scopes.values()):
            if scope.kind == "function":
                body = scope.node.body  # type: ignore[attr-defined]
                for _ in self._needs_in(body, scope, scope, judging=True):
                    pass
        return self.problems

    def _needs_in(
        self, body: list[ast.stmt], scope: Scope, owner: Scope | None, judging: bool = False
    ) -> Iterator[Need]:
        """The open needs of the code in ``body`` (of ``scope``, whose parameters
        are ``owner``'s); when ``judging``, the closed ones that are problems are
        recorded in :attr:`problems` instead."""
        for call, call_scope in _calls(body, scope, self.model):
            for need, node, derived, how in self._call_needs(call, call_scope, owner):
                if depends(need.value):
                    if not judging:
                        yield need
                    continue
                if not judging or not derived:
                    continue  # plain literals: RL001/RL003 themselves report them
                if isinstance(need.value, Reg) and need.value.literal:
                    continue  # ``REG = l2(0.0)``: RL003 reports that call, not each use
                verdict = judge(need, need.value)
                if verdict is not None:
                    code, detail = verdict
                    self.problems.append(Problem(code, node, need, need.value, detail, *how))

    def _call_needs(
        self, call: ast.Call, scope: Scope, owner: Scope | None
    ) -> Iterator[tuple[Need, ast.AST, bool, tuple]]:
        """For a layer call: its needs (derived: through a name or ``**``). For a
        helper call: the helper's needs with this call's arguments substituted."""
        func = call.func
        if not _named(func):
            return
        qualified = self.model.resolve(func, scope)
        symbol = keras_symbol(qualified)
        if symbol is not None:
            if symbol.is_layer:
                yield from self._layer_needs(call, symbol, scope, owner)
            return
        target = self._callee(func, scope)
        if target is None:
            return
        summary, bound, callee_name = target
        for need in summary.needs:
            if len(need.helpers) >= MAX_CALL_DEPTH:
                continue
            value = substitute(need.value, summary, [*bound, call], self, scope, owner)
            blamed = tuple(dict.fromkeys(referenced(need.value)))
            new = Need(need.site, need.arg, value, (callee_name, *need.helpers))
            fix_keyword = position = None
            if isinstance(need.value, (Param, KwKey)) and (
                summary.is_class or not summary.is_method
            ):
                fix_keyword = need.value.name
                if fix_keyword in summary.positional and not bound:
                    position = summary.positional.index(fix_keyword) - summary.is_class
            yield new, call, True, (blamed, callee_name, fix_keyword, position)

    def _layer_needs(
        self, call: ast.Call, symbol, scope: Scope, owner: Scope | None
    ) -> Iterator[tuple[Need, ast.AST, bool, tuple]]:
        spec = catalog.KERNEL_LAYERS.get(symbol.name)
        if spec is None:
            return
        site = Site(self.path, call.lineno, self.column(call), symbol.name, symbol.flavor)
        if any(isinstance(a, ast.Starred) for a in call.args):
            return
        for arg_name in spec.required_args(self.require_recurrent):
            value, derived = self._layer_argument(call, spec, arg_name, symbol.flavor, scope, owner)
            if value is UNKNOWN:
                continue
            yield Need(site, arg_name, value), call, derived, ((), None, None, None)

    def _layer_argument(self, call, spec, arg_name, flavor, scope, owner) -> tuple[Value, bool]:
        for kw in call.keywords:
            if kw.arg == arg_name:
                return self.value_of(kw.value, scope, owner), _not_literal(kw.value)
        position = spec.position(arg_name, flavor)
        if position is not None and position < len(call.args):
            arg = call.args[position]
            return self.value_of(arg, scope, owner), _not_literal(arg)
        stars = [kw.value for kw in call.keywords if kw.arg is None]
        value: Value = MISSING
        for star in stars:  # the last ``**`` holding the key wins (Python: a duplicate fails)
            inner = self._star_value(star, scope, owner)
            if inner is UNKNOWN:
                return UNKNOWN, True
            if isinstance(inner, KwKey):
                value = KwKey(arg_name)
            elif isinstance(inner, DictValue):
                got = inner.get(arg_name)
                if got is not MISSING:
                    value = got
        return value, bool(stars)

    def _star_value(self, expr: ast.expr, scope: Scope, owner: Scope | None) -> Value:
        if isinstance(expr, ast.Name) and owner is not None:
            binding = self.model.binding(expr.id, scope)
            if (
                binding is not None
                and binding.kind == "star-param"
                and self.model.resolving_scope(expr.id, scope) is owner
                and isinstance(owner.node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and owner.node.args.kwarg is binding.node
            ):
                return KwKey("")
        return self.value_of(expr, scope, owner)

    def _callee(self, func: ast.expr, scope: Scope):
        """``(summary, partial-bound call, name)`` of the project function called."""
        if isinstance(func, ast.Name):
            binding = self.model.binding(func.id, scope)
            if binding is None:
                return None
            if binding.kind in ("def", "class"):
                node = binding.node
                summary = (
                    self.class_summary(node)  # type: ignore[arg-type]
                    if binding.kind == "class"
                    else self.summary(node)  # type: ignore[arg-type]
                )
                return (summary, [], func.id) if summary is not None else None
            if binding.kind == "assign" and isinstance(binding.value, ast.Call):
                partial = binding.value
                resolved = self.model.resolve(partial.func, binding.scope or scope)
                if resolved == "functools.partial" and partial.args:
                    inner = self._callee(partial.args[0], binding.scope or scope)
                    if inner is None or isinstance(partial.args[0], ast.Starred):
                        return None
                    bound = ast.Call(
                        func=partial.func, args=partial.args[1:], keywords=partial.keywords
                    )
                    return inner[0], [*inner[1], bound], func.id
                return None
        if self.index is None:
            return None
        qualified = self.model.resolve(func, scope)
        if qualified is None:
            return None
        summary = self.index.function(self.path, qualified)
        if summary is None:
            return None
        return summary, [], qualified.rsplit(".", 1)[-1]


def substitute(
    value: Value,
    summary: FunctionSummary,
    calls: list[ast.Call],
    analysis: ModuleAnalysis,
    scope: Scope,
    owner: Scope | None,
) -> Value:
    """``value`` (in ``summary``'s terms) as the ``calls`` (partial-bound
    arguments first, then the call itself) make it, in the caller's terms."""
    if isinstance(value, Param):
        return _argument(value.name, summary, calls, analysis, scope, owner)
    if isinstance(value, KwKey):
        return _kwargs_key(value.name, summary, calls, analysis, scope, owner)
    if isinstance(value, Reg):
        factors = tuple(
            (k, substitute(v, summary, calls, analysis, scope, owner)) for k, v in value.factors
        )
        return Reg(value.name, value.flavor, factors, value.opaque, value.literal)
    return value


def _merged(calls: list[ast.Call]) -> tuple[list[ast.expr], list[ast.keyword]]:
    positional: list[ast.expr] = []
    keywords: dict[str | None, ast.keyword] = {}
    stars: list[ast.keyword] = []
    for call in calls:
        positional.extend(call.args)
        for kw in call.keywords:
            if kw.arg is None:
                stars.append(kw)
            else:
                keywords[kw.arg] = kw
    return positional, [*keywords.values(), *stars]


def _argument(name, summary, calls, analysis, scope, owner) -> Value:
    positional, keywords = _merged(calls)
    for kw in keywords:
        if kw.arg == name:
            return analysis.value_of(kw.value, scope, owner)
    if name in summary.positional:
        index = summary.positional.index(name) - (1 if summary.is_method else 0)
        for i, arg in enumerate(positional):
            if isinstance(arg, ast.Starred):
                return UNKNOWN
            if i == index:
                return analysis.value_of(arg, scope, owner)
    for kw in keywords:
        if kw.arg is None:
            inner = analysis.value_of(kw.value, scope, owner)
            if not isinstance(inner, DictValue):
                return UNKNOWN
            got = inner.get(name)
            if got is not MISSING:
                return got
    return summary.defaults.get(name, UNKNOWN)


def _kwargs_key(name, summary, calls, analysis, scope, owner) -> Value:
    _, keywords = _merged(calls)
    for kw in keywords:
        if kw.arg == name and name not in summary.positional and name not in summary.kwonly:
            return analysis.value_of(kw.value, scope, owner)
    for kw in keywords:
        if kw.arg is None:
            inner = analysis._star_value(kw.value, scope, owner)
            if isinstance(inner, KwKey):
                return KwKey(name)
            if not isinstance(inner, DictValue):
                return UNKNOWN
            got = inner.get(name)
            if got is not MISSING:
                return got
    return MISSING


def judge(need: Need, value: Value) -> tuple[str, str] | None:
    """``(code, what is wrong)`` for a closed value, or None (fine or unknown)."""
    if value is MISSING:
        return "RL001", "missing"
    if isinstance(value, Const) and value.value is None:
        return "RL001", "none"
    if isinstance(value, Reg):
        return _ineffective(value)
    return None


def _ineffective(reg: Reg) -> tuple[str, str] | None:
    if reg.opaque:
        return None
    flavors = [catalog.KERAS3, catalog.KERAS2] if reg.flavor == catalog.TF_KERAS else [reg.flavor]
    names = [p for p in catalog.REGULARIZERS[reg.name] if p != "mode"]
    passed = dict(reg.factors)
    verdicts = set()
    for flavor in flavors:
        defaults = catalog.REGULARIZER_DEFAULTS.get(flavor, {})
        default = defaults.get(reg.name) or defaults.get(catalog.canonical_regularizer(reg.name))
        numbers = []
        for name in names:
            value = passed.get(name)
            if value is None:
                if default is None or name not in default:
                    return None
                numbers.append(float(default[name]))
            elif isinstance(value, Const) and isinstance(value.value, (int, float)):
                numbers.append(float(value.value))
            else:
                return None  # unknown, or None (what None means is RL003's own matter)
        if not numbers:
            return None
        if any(n < 0 for n in numbers):
            verdicts.add("negative")
        elif all(n == 0 for n in numbers):
            verdicts.add("zero")
        else:
            verdicts.add("fine")
    if verdicts in ({"zero"}, {"negative"}):
        return "RL003", verdicts.pop()
    return None


def _within(scope: Scope, outer: Scope | None) -> bool:
    """Is ``scope`` nested (at any depth) in ``outer``?"""
    parent = scope.parent
    while parent is not None:
        if parent is outer:
            return True
        parent = parent.parent
    return False


def _returned_functions(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions defined in ``function``'s body that it returns by name."""
    defined = {
        s.name: s for s in function.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    returned = {
        n.value.id
        for n in _own_nodes(function)
        if isinstance(n, ast.Return) and isinstance(n.value, ast.Name)
    }
    for name in returned & defined.keys():
        yield defined[name]


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """The nodes of ``function``'s body, nested functions and classes not entered."""
    stack: list[ast.AST] = list(reversed(function.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _paired(target: ast.expr, value: ast.expr) -> Iterator[tuple[int, ast.expr]]:
    """``(id(target element), its value)`` for a plain assignment, unpacked
    where a tuple is assigned a tuple of the same length (``self.a, self.b = a, b``)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        if not isinstance(value, (ast.Tuple, ast.List)) or len(value.elts) != len(target.elts):
            return
        if any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts)):
            return
        for element, part in zip(target.elts, value.elts, strict=True):
            yield from _paired(element, part)
    else:
        yield id(target), value


def _flattened(target: ast.expr) -> Iterator[ast.expr]:
    """The targets of ``target``, unpacked (``a, self.b = ...``)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _flattened(element)
    elif isinstance(target, ast.Starred):
        yield from _flattened(target.value)
    else:
        yield target


def _last_wins(items: list[tuple[str, Value]]) -> list[tuple[str, Value]]:
    return list(dict(items).items())


def _named(func: ast.expr) -> bool:
    return isinstance(func, (ast.Name, ast.Attribute))


def _not_literal(expr: ast.expr) -> bool:
    """Does the value of ``expr`` go through a name (so the per-call rules cannot see it)?"""
    return any(
        isinstance(n, ast.Name) and n.id not in ("None", "True", "False") for n in _operands(expr)
    )


def _operands(expr: ast.expr) -> Iterator[ast.AST]:
    if isinstance(expr, ast.Call):
        for arg in expr.args:
            yield from ast.walk(arg)
        for kw in expr.keywords:
            yield from ast.walk(kw.value)
    else:
        yield from ast.walk(expr)


def _calls(
    body: list[ast.stmt], scope: Scope, model: SemanticModel
) -> Iterator[tuple[ast.Call, Scope]]:
    """Every call in ``body``, with the scope it is evaluated in, in source order;
    nested functions and classes are not entered (they are summarized on their own)."""
    stack: list[tuple[ast.AST, Scope]] = [(stmt, scope) for stmt in reversed(body)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, ast.Call):
            yield node, where
        inner = where
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            children = [*node.decorator_list]
            if not isinstance(node, ast.ClassDef):
                children += [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
            else:
                children += node.bases
            stack.extend((c, where) for c in reversed(children))
            continue
        if isinstance(
            node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
        ):
            inner = model.scope_of(node) or where
        stack.extend((c, inner) for c in reversed(list(ast.iter_child_nodes(node))))
