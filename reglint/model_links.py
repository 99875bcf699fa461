"""Which model owns a layer call, what it is compiled with, which layers are outputs.

The static half of the policy's ``exempt-outputs`` and ``other-means``
clauses, for one module: layer calls are linked to the models built from them
(``Sequential([...])``, ``Model(inputs, outputs)`` followed through simple
assignments, ``Model`` subclasses and their ``__init__``, helper functions
returning a model), and models to their ``compile(optimizer=...)``,
``add_loss(...)`` and ``train_step``. What cannot be linked stays unlinked:
no exemption without proof.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field

import libcst as cst

from .names import ImportTable

#: Keras 3 and tf_keras ``AdamW`` decay by 0.004 when ``weight_decay`` is not given.
ADAMW_DEFAULT_DECAY = 0.004
_TRAINABLE = ("trainable_weights", "trainable_variables")
_MAX_DEPTH = 64  # names followed through assignments before giving up


@dataclass
class _Model:
    """A model construction: its layer calls and its output layer calls."""

    members: set[int] = field(default_factory=set)
    outputs: set[int] = field(default_factory=set)
    cls: str | None = None  # a Model subclass of this module


@dataclass
class ModuleLinks:
    """Layer-constructing calls (by ``id``, or by start position when built from
    the whole source of a sliced module) and what the module says about their model."""

    outputs: set[Hashable] = field(default_factory=set)
    decayed: set[Hashable] = field(default_factory=set)
    penalized: set[Hashable] = field(default_factory=set)
    module: cst.Module | None = None  # set: keys are positions of calls in this module
    _tree: cst.Module | None = field(default=None, repr=False)
    _at: dict[int, Hashable] = field(default_factory=dict, repr=False)

    def _key(self, call: cst.Call, tree: cst.Module) -> Hashable:
        if self.module is None:
            return id(call)
        if self._tree is not tree:  # one code generation for every call of ``tree``
            from .positions import node_positions

            collector = _Collector(ImportTable())
            tree.visit(collector)
            calls = list(collector.calls.values())
            self._at = {i: span[0] for i, span in node_positions(tree, calls).items()}
            self._tree = tree
        return self._at.get(id(call))

    def is_output(self, call: cst.Call, tree: cst.Module) -> bool:
        return self._key(call, tree) in self.outputs

    def covered_by(self, call: cst.Call, tree: cst.Module) -> tuple[str, ...]:
        key = self._key(call, tree)
        means = []
        if key in self.decayed:
            means.append("weight-decay")
        if key in self.penalized:
            means.append("explicit-penalty")
        return tuple(means)


def build_links(module: cst.Module, imports: ImportTable, source: str | None = None) -> ModuleLinks:
    """The links of ``module``; when it is a slice of ``source`` (the engine blanks
    out definitions without a layer call), the whole ``source`` is read instead:
    a ``compile`` or ``train_step`` may be in what was blanked out."""
    if source is None or module.code == source:
        collector = _Collector(imports)
        module.visit(collector)
        return collector.links()
    from .positions import node_positions

    whole = cst.parse_module(source)
    collector = _Collector(imports)
    whole.visit(collector)
    links = collector.links()
    calls = list(collector.calls.values())
    at = {i: span[0] for i, span in node_positions(whole, calls).items()}
    return ModuleLinks(
        outputs={at[i] for i in links.outputs if i in at},
        decayed={at[i] for i in links.decayed if i in at},
        penalized={at[i] for i in links.penalized if i in at},
        module=whole,
    )


class _Collector(cst.CSTVisitor):
    def __init__(self, imports: ImportTable) -> None:
        super().__init__()
        self.imports = imports
        self.seq = 0
        self.scopes: list[int | None] = [None]
        self.classes: list[str] = []
        # (scope, name) -> [(seq, value)] in source order
        self.assigned: dict[tuple[int | None, str], list[tuple[int, cst.BaseExpression]]] = {}
        self.order: dict[int, int] = {}  # id(node) -> seq of its statement
        self.scope_of: dict[int, int | None] = {}
        self.model_classes: dict[str, list[cst.Call]] = {}  # class -> layer calls in it
        self.penalized_classes: set[str] = set()
        self.returns: dict[str, list[tuple[int | None, int, cst.BaseExpression]]] = {}
        self.compiles: list[tuple[str, cst.Call]] = []
        self.add_losses: list[tuple[str, cst.Call]] = []
        self.adds: dict[str, list[tuple[int, cst.BaseExpression]]] = {}
        self.excludes = False
        self.funcs: list[str] = []
        self.nested: set[str] = set()  # names applied to tensors or listed in a model
        self.calls: dict[int, cst.Call] = {}

    # -- structure -------------------------------------------------------------
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.seq += 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.seq += 1
        bases = [b.value for b in node.bases]
        if any(self._is_model_class(b) for b in bases):
            self.model_classes.setdefault(node.name.value, [])
            self.classes.append(node.name.value)
        else:
            self.classes.append("")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.seq += 1
        self.scopes.append(id(node))
        self.funcs.append(node.name.value)
        cls = self.classes[-1] if self.classes else ""
        if cls and node.name.value == "train_step" and _penalty_in_train_step(node):
            self.penalized_classes.add(cls)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scopes.pop()
        self.funcs.pop()

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None and self.funcs and not self._in_class():
            self.returns.setdefault(self.funcs[-1], []).append(
                (self.scopes[-1], self.seq, node.value)
            )

    def _in_class(self) -> bool:
        return bool(self.classes and self.classes[-1])

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                key = (self.scopes[-1], target.target.value)
                self.assigned.setdefault(key, []).append((self.seq, node.value))

    def visit_Call(self, node: cst.Call) -> None:
        self.calls[id(node)] = node
        self.order[id(node)] = self.seq
        self.scope_of[id(node)] = self.scopes[-1]
        if self._in_class() and self._is_layer(node):
            self.model_classes[self.classes[-1]].append(node)
        func = node.func
        if isinstance(func, cst.Name):
            self.nested.add(func.value)
        for arg in node.args:
            if isinstance(arg.value, (cst.List, cst.Tuple)):
                self.nested |= {
                    e.value.value for e in arg.value.elements if isinstance(e.value, cst.Name)
                }
        if not isinstance(func, cst.Attribute):
            return
        attr = func.attr.value
        if attr == "exclude_from_weight_decay":
            self.excludes = True
        owner = func.value
        if not isinstance(owner, cst.Name):
            return
        if attr == "compile":
            self.compiles.append((owner.value, node))
        elif attr == "add_loss" and node.args and self._reads_trainable(node.args[0].value):
            if owner.value == "self" and self._in_class():
                self.penalized_classes.add(self.classes[-1])
            else:
                self.add_losses.append((owner.value, node))
        elif attr == "add" and node.args:
            self.adds.setdefault(owner.value, []).append((self.seq, node.args[0].value))

    def _reads_trainable(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """``expr`` reads ``.trainable_weights``/``.trainable_variables``, directly or
        through names assigned earlier in the same scope."""
        if _mentions_trainable(expr):
            return True
        if depth > 8:
            return False
        for name in _names(expr):
            found = self._lookup(name, self.scopes[-1], self.seq + 1)
            if found is not None and self._reads_trainable(found[2], depth + 1):
                return True
        return False

    # -- resolution ------------------------------------------------------------
    def _is_model_class(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name) and node.value in self.model_classes:
            return True
        symbol = self.imports.symbol(node)
        return symbol is not None and symbol.module == "" and symbol.name in ("Model", "Sequential")

    def _is_layer(self, call: cst.Call) -> bool:
        if not isinstance(call.func, (cst.Name, cst.Attribute)):
            return False
        symbol = self.imports.symbol(call.func)
        return symbol is not None and symbol.is_layer

    def _lookup(
        self, name: str, scope: int | None, seq: int
    ) -> tuple[int | None, int, cst.BaseExpression] | None:
        """The latest assignment of ``name`` before ``seq`` (its scope, then the module's)."""
        for where in dict.fromkeys((scope, None)):
            found = [(s, v) for s, v in self.assigned.get((where, name), ()) if s < seq]
            if found:
                s, value = found[-1]
                return where, s, value
        return None

    def _model(self, expr: cst.BaseExpression, scope: int | None, seq: int, depth: int = 0):
        """The model ``expr`` evaluates to, when the module says so."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            found = self._lookup(expr.value, scope, seq)
            if found is None:
                return None
            where, s, value = found
            model = self._model(value, where, s, depth + 1)
            if model is not None and type(model) is _Model and expr.value in self.adds:
                for add_seq, layer in self.adds[expr.value]:
                    if add_seq > s:
                        model.members |= self._members(layer, scope, add_seq, depth + 1)
                if self.adds[expr.value] and _is_sequential_empty(value):
                    last_seq, last = self.adds[expr.value][-1]
                    model.outputs = self._producers(last, scope, last_seq + 1, depth + 1, True)
            return model
        if not isinstance(expr, cst.Call):
            return None
        func = expr.func
        if isinstance(func, cst.Name) and func.value in self.model_classes:
            model = _Model(cls=func.value)
            model.members |= {id(c) for c in self.model_classes[func.value]}
            self._functional(expr, model, scope, seq, depth)
            return model
        if isinstance(func, cst.Name) and func.value in self.returns:
            for fscope, fseq, value in self.returns[func.value][-1:]:
                return self._model(value, fscope, fseq + 1, depth + 1)
            return None
        symbol = self.imports.symbol(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if symbol is None or symbol.module != "":
            return None
        model = _Model()
        if symbol.name == "Sequential":
            items = _argument(expr, 0, "layers")
            if isinstance(items, (cst.List, cst.Tuple)):
                elements = [e.value for e in items.elements]
                for e in elements:
                    model.members |= self._members(e, scope, seq, depth + 1)
                if elements:
                    model.outputs = self._producers(elements[-1], scope, seq, depth + 1, True)
            return model
        if symbol.name in ("Model", "Functional"):
            self._functional(expr, model, scope, seq, depth)
            return model
        return None

    def _functional(self, call: cst.Call, model: _Model, scope, seq: int, depth: int) -> None:
        outputs = _argument(call, 1, "outputs")
        if outputs is None:
            return
        model.members |= self._members(outputs, scope, seq, depth + 1)
        model.outputs |= self._producers(outputs, scope, seq, depth + 1, False)

    def _layer_of(self, func: cst.BaseExpression, scope, seq: int, depth: int) -> cst.Call | None:
        """The layer-constructing call behind an applied callee (``Dense(4)`` or a name)."""
        if isinstance(func, cst.Call) and self._is_layer(func):
            return func
        if isinstance(func, cst.Name) and depth < _MAX_DEPTH:
            found = self._lookup(func.value, scope, seq)
            if found is not None and isinstance(found[2], cst.Call) and self._is_layer(found[2]):
                return found[2]
        return None

    def _producers(self, expr, scope, seq: int, depth: int, constructed: bool) -> set[int]:
        """Layer calls whose output ``expr`` is (``constructed``: a layer list item)."""
        if depth > _MAX_DEPTH:
            return set()
        if isinstance(expr, cst.Name):
            found = self._lookup(expr.value, scope, seq)
            if found is None:
                return set()
            where, s, value = found
            if not constructed:
                return self._producers(value, where, s, depth + 1, False)
            if isinstance(value, cst.Call) and self._is_layer(value):
                return {id(value)}
            nested = self._model(value, where, s, depth + 1)
            return set(nested.outputs) if nested is not None else set()
        if isinstance(expr, (cst.List, cst.Tuple)):
            out: set[int] = set()
            for e in expr.elements:
                out |= self._producers(e.value, scope, seq, depth + 1, constructed)
            return out
        if isinstance(expr, cst.Dict):
            out = set()
            for e in expr.elements:
                if isinstance(e, cst.DictElement):
                    out |= self._producers(e.value, scope, seq, depth + 1, constructed)
            return out
        if not isinstance(expr, cst.Call):
            return set()
        if constructed:
            if self._is_layer(expr):
                return {id(expr)}
            nested = self._model(expr, scope, seq, depth + 1)
            return set(nested.outputs) if nested is not None else set()
        layer = self._layer_of(expr.func, scope, seq, depth + 1)
        if layer is not None:
            return {id(layer)}
        nested = self._model(expr.func, scope, seq, depth + 1)
        return set(nested.outputs) if nested is not None else set()

    def _members(self, expr, scope, seq: int, depth: int) -> set[int]:
        """Every layer call ``expr`` is built from (through names, calls, nested models)."""
        if depth > _MAX_DEPTH:
            return set()
        found: set[int] = set()
        if isinstance(expr, cst.Name):
            hit = self._lookup(expr.value, scope, seq)
            if hit is not None:
                where, s, value = hit
                found |= self._members(value, where, s, depth + 1)
            return found
        if isinstance(expr, cst.Call):
            if self._is_layer(expr):
                found.add(id(expr))
            layer = self._layer_of(expr.func, scope, seq, depth + 1)
            if layer is not None:
                found.add(id(layer))
            else:
                nested = self._model(
                    expr.func if isinstance(expr.func, cst.Name) else expr, scope, seq, depth + 1
                )
                if nested is not None:
                    found |= nested.members
                elif isinstance(expr.func, cst.Call):
                    found |= self._members(expr.func, scope, seq, depth + 1)
            for arg in expr.args:
                found |= self._members(arg.value, scope, seq, depth + 1)
            return found
        for child in _children(expr):
            found |= self._members(child, scope, seq, depth + 1)
        return found

    def _decay(self, expr: cst.BaseExpression, scope, seq: int, depth: int = 0) -> float | None:
        """The ``weight_decay`` an optimizer expression sets, when the module says so."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            found = self._lookup(expr.value, scope, seq)
            return None if found is None else self._decay(found[2], found[0], found[1], depth + 1)
        if isinstance(expr, cst.SimpleString):
            return ADAMW_DEFAULT_DECAY if expr.evaluated_value.lower() == "adamw" else 0.0
        if not isinstance(expr, cst.Call) or not isinstance(expr.func, (cst.Name, cst.Attribute)):
            return None
        symbol = self.imports.symbol(expr.func)
        if symbol is None or symbol.module != "optimizers":
            return None
        for arg in expr.args:
            if arg.star:
                return None
            if arg.keyword is not None and arg.keyword.value == "weight_decay":
                return self._number(arg.value, scope, seq, depth + 1)
        return ADAMW_DEFAULT_DECAY if symbol.name == "AdamW" else 0.0

    def _number(self, expr: cst.BaseExpression, scope, seq: int, depth: int) -> float | None:
        if isinstance(expr, (cst.Integer, cst.Float)):
            return float(expr.evaluated_value)
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            value = self._number(expr.expression, scope, seq, depth + 1)
            return None if value is None else -value
        if isinstance(expr, cst.Name) and expr.value == "None":
            return 0.0
        if isinstance(expr, cst.Name) and depth < _MAX_DEPTH:
            found = self._lookup(expr.value, scope, seq)
            if found is not None:
                return self._number(found[2], found[0], found[1], depth + 1)
        return None

    # -- result ----------------------------------------------------------------
    def links(self) -> ModuleLinks:
        result = ModuleLinks()
        for call_id_seq in self._all_models():
            result.outputs |= call_id_seq.outputs
        for name, call in self.compiles:
            scope, seq = self.scope_of[id(call)], self.order[id(call)] + 1
            model = self._model(cst.Name(name), scope, seq)
            if model is None:
                continue
            optimizer = _argument(call, 0, "optimizer")
            decay = None if optimizer is None else self._decay(optimizer, scope, seq)
            if decay is not None and decay > 0 and not self.excludes:
                result.decayed |= model.members
            if model.cls in self.penalized_classes:
                result.penalized |= model.members
        for name, call in self.add_losses:
            if not _mentions_trainable(call.args[0].value, name):
                continue
            model = self._model(cst.Name(name), self.scope_of[id(call)], self.order[id(call)] + 1)
            if model is not None:
                result.penalized |= model.members
        return result

    def _all_models(self) -> Iterator[_Model]:
        """The models assigned to a name that is not used inside another model."""
        for (scope, name), values in self.assigned.items():
            if name in self.nested:
                continue
            for seq, value in values:
                model = self._model(value, scope, seq + 1)
                if model is not None:
                    yield model


def _is_sequential_empty(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Call) and not value.args


def _argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for a in call.args:
        if a.keyword is not None and a.keyword.value == keyword:
            return a.value
    return positional[position].value if len(positional) > position else None


def _children(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    for child in node.children:
        if isinstance(child, cst.BaseExpression):
            yield child
        else:
            yield from _children(child)


def _names(node: cst.CSTNode) -> Iterator[str]:
    if isinstance(node, cst.Name):
        yield node.value
    for child in node.children:
        yield from _names(child)


def _mentions_trainable(node: cst.CSTNode, owner: str | None = None) -> bool:
    """``node`` reads ``<owner>.trainable_weights`` / ``.trainable_variables``."""
    if (
        isinstance(node, cst.Attribute)
        and node.attr.value in _TRAINABLE
        and (owner is None or (isinstance(node.value, cst.Name) and node.value.value == owner))
    ):
        return True
    return any(_mentions_trainable(c, owner) for c in node.children)


def _penalty_in_train_step(node: cst.FunctionDef) -> bool:
    """A ``train_step`` whose differentiated loss (``tape.gradient(loss, ...)``)
    adds a term computed from ``self.trainable_*`` (in a call other than
    ``gradient``/``apply_gradients``/``zip``), directly or through names."""
    values: dict[str, list[cst.BaseExpression]] = {}
    roots: list[cst.BaseExpression] = []

    def collect(n: cst.CSTNode) -> None:
        if isinstance(n, cst.Assign):
            for t in n.targets:
                if isinstance(t.target, cst.Name):
                    values.setdefault(t.target.value, []).append(n.value)
        elif isinstance(n, cst.AugAssign) and isinstance(n.target, cst.Name):
            values.setdefault(n.target.value, []).append(n.value)
        elif (
            isinstance(n, cst.Call)
            and isinstance(n.func, cst.Attribute)
            and n.func.attr.value == "gradient"
            and n.args
        ):
            roots.append(n.args[0].value)
        for c in n.children:
            collect(c)

    collect(node.body)
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        expr = todo.pop()
        if _penalty_call(expr):
            return True
        for name in _names(expr):
            if name not in seen:
                seen.add(name)
                todo.extend(values.get(name, ()))
    return False


def _penalty_call(n: cst.CSTNode) -> bool:
    skip = {"gradient", "apply_gradients", "zip", "GradientTape"}
    if isinstance(n, cst.Call):
        f = n.func
        callee = f.attr.value if isinstance(f, cst.Attribute) else getattr(f, "value", None)
        if callee in skip:
            return False
        if any(_mentions_trainable(a.value, "self") for a in n.args):
            return True
    return any(_penalty_call(c) for c in n.children)
