"""Model tracking: which names a gradient is taken for, and which are Keras models.

Each answer is True/a :class:`~.facts.Build` (a Keras model), False (known not
to be one: a ``tf.Module``, a ``tf.Variable``) or None (cannot tell: no finding).
"""

from __future__ import annotations

import libcst as cst

from ...names import dotted_name
from .._calls import called_symbol
from .facts import Build, Cls, Fn, ModuleFacts, Tape
from .project import Project

VARIABLES = frozenset({"trainable_variables", "trainable_weights", "variables", "weights"})
_KERAS_MODEL_CLASSES = frozenset({"Model", "Sequential", "Functional"})
#: How many factory functions deep ``model = build_model()`` is followed.
MAX_FACTORY_DEPTH = 2
#: How many assignments, lists and ``+`` a gradient's sources are followed through.
_MAX_SOURCE_DEPTH = 3


def enclosing_class(fn: Fn | None) -> Cls | None:
    while fn is not None:
        if fn.cls is not None:
            return fn.cls
        fn = fn.parent
    return None


class Models:
    project: Project | None

    # --- lookups, in the module or (cross-call analysis) the project -------------------------
    def function(self, callee: str, cls: Cls | None, module: ModuleFacts) -> Fn | None:
        if callee.startswith("self.") and cls is not None:
            return self.method(cls, callee[len("self.") :])
        found = module.function(callee)
        if found is None and self.project is not None and callee not in module.classes:
            found = self.project.function(module, callee)
        return found

    def klass(self, module: ModuleFacts, dotted: str) -> Cls | None:
        found = module.classes.get(dotted)
        if found is None and dotted and self.project is not None:
            found = self.project.klass(module, dotted)
        return found

    def method(self, cls: Cls, name: str, seen: frozenset[int] = frozenset()) -> Fn | None:
        if name in cls.methods:
            return cls.methods[name]
        for base in cls.bases:
            local = self.klass(cls.module, dotted_name(base) or "")
            if local is not None and id(local) not in seen:
                found = self.method(local, name, seen | {id(cls)})
                if found is not None:
                    return found
        return None

    # --- gradient sources -----------------------------------------------------------------
    def models_in(
        self, target: cst.BaseExpression, fn: Fn, params: list[str] | None = None, depth: int = 0
    ) -> list[str]:
        """The models whose variables ``target`` names; the parameters of ``fn``
        it comes from (variables passed in) are added to ``params``."""
        if depth > _MAX_SOURCE_DEPTH:
            return []
        if isinstance(target, cst.Attribute) and target.attr.value in VARIABLES:
            base = dotted_name(target.value)
            return [base] if base else []
        if isinstance(target, (cst.List, cst.Tuple)):
            out = []
            for element in target.elements:
                out += self.models_in(element.value, fn, params, depth + 1)
            return out
        if isinstance(target, cst.BinaryOperation) and isinstance(target.operator, cst.Add):
            return self.models_in(target.left, fn, params, depth + 1) + self.models_in(
                target.right, fn, params, depth + 1
            )
        if isinstance(target, cst.Call) and dotted_name(target.func) == "list" and target.args:
            return self.models_in(target.args[0].value, fn, params, depth + 1)
        if isinstance(target, cst.Name):
            scope: Fn | None = fn
            while scope is not None:
                if target.value in scope.assigns:
                    value = scope.assigns[target.value][-1][0]
                    return self.models_in(value, scope, params, depth + 1)
                if target.value in scope.params:
                    if params is not None and scope is fn:
                        params.append(target.value)
                    return []
                scope = scope.parent
        return []

    # --- is it a Keras model? ---------------------------------------------------------------
    def keras_class(self, cls: Cls | None, seen: frozenset[int] = frozenset()) -> bool | None:
        """True: subclasses a Keras model; False: known not to; None: cannot tell."""
        if cls is None or id(cls) in seen:
            return None
        answer: bool | None = False
        for base in cls.bases:
            written = dotted_name(base) or ""
            symbol = cls.module.imports.symbol(base)
            if symbol is not None:
                if symbol.module == "" and symbol.name in _KERAS_MODEL_CLASSES:
                    return True
                continue  # a Keras layer, metric, ...: not a model
            local = self.klass(cls.module, written)
            if local is not None:
                verdict = self.keras_class(local, seen | {id(cls)})
                if verdict:
                    return True
                if verdict is None:
                    answer = None
            elif written.rsplit(".", 1)[-1] not in ("Module", "object", ""):
                answer = None  # an imported base we cannot see
        return answer

    @staticmethod
    def class_regularized(cls: Cls) -> bool:
        return cls.regularized or bool(cls.module.reg_orders)

    def build_of_call(self, call: cst.Call, scope: Fn, depth: int = 0) -> Build | bool | None:
        """A :class:`Build` when ``call`` makes a Keras model, False when it makes
        something known not to be one, None when it cannot tell."""
        module = scope.module
        symbol = called_symbol(module.imports, call)
        if symbol is not None:
            if symbol.is_model_factory:
                regularized = (
                    module.call_regularized(call)
                    or scope.regularized
                    or (scope.node is None and bool(module.reg_orders))
                )
                return Build(call, regularized, module)
            if symbol.is_layer:
                # A lone layer differentiated by hand (the autodiff guides) is
                # not a model's training step, unless its own penalty is dropped.
                return Build(call, True, module) if module.call_regularized(call) else False
            return None
        callee = (
            dotted_name(call.func) if isinstance(call.func, (cst.Name, cst.Attribute)) else None
        )
        if callee is None:
            return None
        cls = self.klass(module, callee)
        if cls is not None:
            verdict = self.keras_class(cls)
            if verdict:
                return Build(call, self.class_regularized(cls), module)
            return False if verdict is False else None
        if callee.rsplit(".", 1)[-1] in ("Variable", "Module"):
            return False
        helper = self.function(callee, None, module) if depth < MAX_FACTORY_DEPTH else None
        if helper is not None:
            for value in helper.returns:
                found = self.build_of_expr(value, helper, depth + 1)
                if isinstance(found, Build):
                    return Build(call, found.regularized or helper.regularized, module)
        return None

    def build_of_expr(
        self, expr: cst.BaseExpression, scope: Fn, depth: int = 0
    ) -> Build | bool | None:
        if isinstance(expr, cst.Call):
            return self.build_of_call(expr, scope, depth)
        if isinstance(expr, cst.Name) and expr.value in scope.assigns:
            for value, _ in reversed(scope.assigns[expr.value]):
                if isinstance(value, cst.Call):
                    found = self.build_of_call(value, scope, depth)
                    if found is not None:
                        return found
        return None

    def model(self, model: str, fn: Fn, tape: Tape, inner: str) -> tuple[bool, Build | None] | None:
        """Whether ``model`` (a name in ``fn``; ``inner`` in the tape) is a Keras
        model: None if not, else (certain, build)."""
        cls = enclosing_class(fn)
        if model == "self":
            verdict = self.keras_class(cls)
            if verdict and cls is not None:
                return True, Build(cls.node, self.class_regularized(cls), cls.module)
            if (
                verdict is None
                and cls is not None
                and fn.name == "train_step"
                and self._unseen_model_called(tape, inner)
            ):
                return False, None
            return None
        if model.startswith("self."):
            if cls is None:
                return None
            attr = model[len("self.") :]
            for value in cls.attrs.get(attr, []):
                method = cls.methods.get("__init__") or fn
                found = self.build_of_expr(value, method)
                if isinstance(found, Build):
                    return True, found
                if found is False:
                    return None
            if self.keras_class(cls) or self._unseen_model_called(tape, inner):
                return False, None
            return None
        if "." in model:
            return None
        # a plain name: a local assignment, else a module-level one, else a parameter
        scope: Fn | None = fn
        while scope is not None:
            if model in scope.params:
                passed = self.passed_to(scope, model)
                if isinstance(passed, Build):
                    return True, passed
                if passed is False:
                    return None
                break
            if model in scope.assigns:
                found = self.build_of_expr(cst.Name(model), scope)
                if isinstance(found, Build):
                    return True, found
                if found is False:
                    return None
                break
            scope = scope.parent
        if self._unseen_model_called(tape, inner):
            return False, None
        return None

    def _unseen_model_called(self, tape: Tape, inner: str) -> bool:
        """A model whose origin cannot be seen counts when it is called inside
        the tape and the tape's module mentions Keras."""
        cls = enclosing_class(tape.fn)
        return tape.module.mentions_keras and self.called_in(tape, inner, cls)  # type: ignore[attr-defined]

    def passed_to(self, fn: Fn, param: str) -> Build | bool | None:
        """What the module's own calls of ``fn`` pass as ``param``.

        A :class:`Build` when a call passes a Keras model, False when every
        call that can be read passes something known not to be one (an
        instance of a local ``tf.Module`` class), None when it cannot tell.
        """
        module = fn.module
        if fn.cls is not None or fn.parent is not module.top or param not in fn.params:
            return None
        verdicts: list[Build | bool | None] = []
        for call, scope in self.calls_of(fn):
            expr = argument_for(call, fn, param)
            if isinstance(expr, cst.Call):
                verdicts.append(self.build_of_call(expr, scope))
                continue
            if not isinstance(expr, cst.Name):
                verdicts.append(None)
                continue
            where: Fn | None = scope
            while where is not None and expr.value not in where.assigns:
                where = where.parent
            verdicts.append(None if where is None else self.build_of_expr(expr, where))
        for verdict in verdicts:
            if isinstance(verdict, Build):
                return verdict
        if verdicts and all(v is False for v in verdicts):
            return False
        return None

    @staticmethod
    def calls_of(fn: Fn) -> list[tuple[cst.Call, Fn]]:
        """The calls of ``fn`` in its own module, with the scope each sits in
        (``f(...)`` for a module-level function, ``self.f(...)`` in its class)."""
        module = fn.module
        if fn.cls is None and fn.parent is module.top:
            name, where = fn.name, (module.top, *module.fns)
        elif fn.cls is not None:
            name, where = f"self.{fn.name}", tuple(fn.cls.methods.values())
        else:
            return []
        return [(call.node, scope) for scope in where for call in scope.calls if call.func == name]


def argument_for(call: cst.Call, fn: Fn, param: str) -> cst.BaseExpression | None:
    """What ``call`` passes for ``fn``'s parameter ``param`` (None: nothing readable)."""
    params = list(fn.params)
    if fn.cls is not None and params and isinstance(call.func, cst.Attribute):
        params = params[1:]  # ``self.f(...)``: the instance is not an argument
    if param not in params:
        return None
    index = params.index(param)
    positional = []
    for arg in call.args:
        if arg.star:
            if arg.star == "*" and arg.keyword is None:
                break  # after ``*args`` positions are unknown
            continue
        if arg.keyword is None:
            positional.append(arg.value)
        elif arg.keyword.value == param:
            return arg.value
    return positional[index] if index < len(positional) else None
