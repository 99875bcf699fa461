"""Scopes and bindings of one module, read off CPython's ``ast`` tree.

Python's rules, flow-insensitively: a name bound anywhere in a function (an
assignment, an import, a parameter, a loop or ``with`` target, ``del``) is
local to the whole function unless declared ``global`` or ``nonlocal``; a
class body's names are not visible to the functions nested in it; a
comprehension has a scope of its own, whose first iterable is evaluated
outside it. A name with several bindings in its scope has no single value:
:meth:`SemanticModel.binding` answers None for it (unknown), except when every
binding is the same import.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..keras_names import INJECTED, SUBMODULES_FROM_KWARGS, injected

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(frozen=True)
class Binding:
    """One binding of ``name``.

    ``kind`` is one of ``import``, ``assign``, ``param``, ``def``, ``class``,
    ``loop`` (and other targets without a single value), ``del``. ``value`` is
    the assigned expression (``assign``) or the default (``param``);
    ``qualified`` the dotted name an import binds (``keras.layers.Dense``), or
    for a relative import ``.blocks.conv_block`` with one dot per level.
    """

    name: str
    kind: str
    node: ast.AST
    value: ast.expr | None = None
    qualified: str | None = None
    #: where ``value`` is evaluated (a parameter's default: the enclosing scope).
    scope: Scope | None = None


@dataclass(eq=False)
class Scope:
    kind: str  # module, class, function, lambda, comprehension
    node: ast.AST
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)

    def add(self, binding: Binding) -> None:
        self.bindings.setdefault(binding.name, []).append(binding)


class SemanticModel:
    """Every scope of a module, and which binding a name refers to."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = Scope("module", tree, None)
        #: ``id(node)`` of each function, lambda, class or comprehension -> its scope.
        self.scopes: dict[int, Scope] = {id(tree): self.module}
        _Builder(self).run(tree)

    def scope_of(self, node: ast.AST) -> Scope | None:
        """The scope ``node`` (a function, class, lambda, comprehension) opens."""
        return self.scopes.get(id(node))

    def resolving_scope(self, name: str, scope: Scope) -> Scope | None:
        """The scope whose binding of ``name`` a use in ``scope`` refers to."""
        if name in scope.globals:
            return self.module if name in self.module.bindings else None
        current: Scope | None = scope
        first = True
        while current is not None:
            visible = current.kind != "class" or first
            if visible and name in current.bindings and name not in current.nonlocals:
                return current
            first = False
            current = current.parent
        return None

    def binding(self, name: str, scope: Scope) -> Binding | None:
        """The single binding ``name`` has where ``scope`` uses it, else None."""
        owner = self.resolving_scope(name, scope)
        if owner is None:
            return None
        found = owner.bindings[name]
        if len(found) == 1:
            return found[0]
        qualified = {b.qualified if b.kind == "import" else None for b in found}
        if len(qualified) == 1 and None not in qualified:
            return found[-1]
        return None

    def is_bound(self, name: str, scope: Scope) -> bool:
        return self.resolving_scope(name, scope) is not None

    def resolve(self, expr: ast.expr, scope: Scope, depth: int = 0) -> str | None:
        """The dotted name a Name/Attribute chain refers to through imports,
        aliases (``D = layers.Dense``) and parameter defaults
        (``def f(Dense=keras.layers.Dense)``); None if not an imported name."""
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name) or depth > 8:
            return None
        found = self.binding(expr.id, scope)
        if found is None:
            return None
        if found.kind == "import":
            base = found.qualified
        elif found.kind in ("assign", "param") and isinstance(
            found.value, (ast.Name, ast.Attribute)
        ):
            base = self.resolve(found.value, found.scope or scope, depth + 1)
        else:
            return None
        if base is None:
            return None
        return ".".join([base, *reversed(parts)])


class _Builder(ast.NodeVisitor):
    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self.scope = model.module

    def run(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            self.visit(stmt)

    def _bind(self, name: str, kind: str, node: ast.AST, value: ast.expr | None = None) -> None:
        scope = self.scope
        while scope.kind == "comprehension" and kind == "walrus":
            assert scope.parent is not None
            scope = scope.parent
        if name in scope.globals:
            scope = self.model.module
        scope.add(Binding(name, "assign" if kind == "walrus" else kind, node, value, scope=scope))

    def _open(self, kind: str, node: ast.AST) -> Scope:
        scope = Scope(kind, node, self.scope)
        self.model.scopes[id(node)] = scope
        return scope

    # --- definitions ---------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        outer = self.scope
        self._arguments(node.args, outer, visit_defaults=True)
        if node.returns is not None:
            self.visit(node.returns)
        self._bind(node.name, "def", node)
        self.scope = self._open("function", node)
        self._params(node.args, outer)
        for stmt in node.body:
            self.visit(stmt)
        self.scope = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        outer = self.scope
        self._arguments(node.args, outer, visit_defaults=True)
        self.scope = self._open("lambda", node)
        self._params(node.args, outer)
        self.visit(node.body)
        self.scope = outer

    def _arguments(self, args: ast.arguments, scope: Scope, visit_defaults: bool) -> None:
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)

    def _params(self, args: ast.arguments, outer: Scope) -> None:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults += list(args.defaults)
        pairs = [
            *zip(positional, defaults, strict=True),
            *zip(args.kwonlyargs, args.kw_defaults, strict=True),
        ]
        for arg, default in pairs:
            self.scope.add(Binding(arg.arg, "param", arg, default, scope=outer))
        for star in (args.vararg, args.kwarg):
            if star is not None:
                self.scope.add(Binding(star.arg, "star-param", star, scope=outer))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        self._bind(node.name, "class", node)
        outer = self.scope
        self.scope = self._open("class", node)
        for stmt in node.body:
            self.visit(stmt)
        self.scope = outer

    def _comprehension(self, node: ast.expr, elements: list[ast.expr]) -> None:
        generators: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        self.visit(generators[0].iter)
        outer = self.scope
        self.scope = self._open("comprehension", node)
        for index, gen in enumerate(generators):
            if index:
                self.visit(gen.iter)
            self._targets(gen.target, "loop")
            for cond in gen.ifs:
                self.visit(cond)
        for element in elements:
            self.visit(element)
        self.scope = outer

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_ListComp  # type: ignore[assignment]
    visit_GeneratorExp = visit_ListComp  # type: ignore[assignment]

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    # --- bindings -----------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self._bind_import(alias.asname, alias.name, node)
            else:
                top = alias.name.split(".")[0]
                self._bind_import(top, top, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                continue
            sep = "" if base.endswith(".") else "."
            self._bind_import(alias.asname or alias.name, f"{base}{sep}{alias.name}", node)

    def _bind_import(self, local: str, qualified: str, node: ast.AST) -> None:
        scope = self.model.module if local in self.scope.globals else self.scope
        scope.add(Binding(local, "import", node, qualified=qualified, scope=scope))

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.nonlocals.update(node.names)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            if not self._injected(target, node.value):
                self._targets(target, "assign", node.value)

    def _injected(self, target: ast.expr, value: ast.expr) -> bool:
        """``backend, layers, models, utils = get_submodules_from_kwargs(kwargs)``
        (:data:`reglint.keras_names.SUBMODULES_FROM_KWARGS`): each name is bound
        as an import of Keras's submodule."""
        func = value.func if isinstance(value, ast.Call) else None
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name != SUBMODULES_FROM_KWARGS or not isinstance(target, (ast.Tuple, ast.List)):
            return False
        for submodule, element in zip(INJECTED, target.elts, strict=False):
            if isinstance(element, ast.Name):
                self._bind_import(element.id, injected(submodule), element)
            else:
                self._targets(element, "loop")
        for element in target.elts[len(INJECTED) :]:
            self._targets(element, "loop")
        return True

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        if node.value is not None or not isinstance(node.target, ast.Name):
            self._targets(node.target, "assign", node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._targets(node.target, "loop")

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind(node.target.id, "walrus", node, node.value)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._targets(node.target, "loop")
        for stmt in [*node.body, *node.orelse]:
            self.visit(stmt)

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def visit_withitem(self, node: ast.withitem) -> None:
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            self._targets(node.optional_vars, "loop")

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._bind(node.name, "loop", node)
        for stmt in node.body:
            self.visit(stmt)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._targets(target, "del")

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        self.generic_visit(node)
        if node.name:
            self._bind(node.name, "loop", node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._bind(node.name, "loop", node)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.generic_visit(node)
        if node.rest:
            self._bind(node.rest, "loop", node)

    def _targets(self, target: ast.expr, kind: str, value: ast.expr | None = None) -> None:
        if isinstance(target, ast.Name):
            self._bind(target.id, kind, target, value if kind == "assign" else None)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._targets(element, "loop" if kind == "assign" else kind)
        elif isinstance(target, ast.Starred):
            self._targets(target.value, "loop" if kind == "assign" else kind)
        else:
            self.visit(target)
