"""The traversal that fills :class:`~.facts.ModuleFacts`.

A mixin of ``visit_``/``leave_`` methods: the rule runs it in the engine's one
batched walk of the linted module, :mod:`.project` in its own walk of a
project module the linted one calls into.
"""

from __future__ import annotations

import libcst as cst

from ...names import dotted_name
from .._calls import is_none, keyword_arg
from .facts import CallFact, Cls, Fn, Grad, ModuleFacts, Tape


def _qualified_import(node: cst.Import | cst.ImportFrom) -> list[tuple[str, str]]:
    """``(local name, qualified name)`` pairs, relative ones keeping their dots."""
    out = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted_name(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                out.append((alias.asname.name.value, full))
            elif full:
                out.append((full.split(".")[0], full.split(".")[0]))
        return out
    if isinstance(node.names, cst.ImportStar):
        return out
    base = "." * len(node.relative) + ((dotted_name(node.module) or "") if node.module else "")
    sep = "" if base.endswith(".") or not base else "."
    for alias in node.names:
        name = dotted_name(alias.name) or ""
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        out.append((local, f"{base}{sep}{name}"))
    return out


class Collector:
    """Records RL006's facts in ``self.facts`` (call :meth:`start_facts` first)."""

    facts: ModuleFacts

    def start_facts(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self._order = 0
        self._fns: list[Fn] = [facts.top]
        self._classes: list[Cls] = []
        self._kinds: list[str] = []
        self._open_tapes: list[Tape] = []

    @property
    def _fn(self) -> Fn:
        return self._fns[-1]

    # --- scopes ---------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        self.facts.imported.update(_qualified_import(node))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.facts.imported.update(_qualified_import(node))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        cls = Cls(self.facts, node, node.name.value, [a.value for a in node.bases])
        self._classes.append(cls)
        self._kinds.append("class")
        self.facts.classes[cls.name] = cls

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()
        self._kinds.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        cls = self._classes[-1] if self._kinds and self._kinds[-1] == "class" else None
        params = [
            p.name.value
            for p in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)
        ]
        fn = Fn(
            self.facts, node=node, name=node.name.value, cls=cls, parent=self._fn, params=params
        )
        if cls is not None:
            cls.methods.setdefault(fn.name, fn)
        self._fns.append(fn)
        self._kinds.append("fn")
        self.facts.fns.append(fn)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._fns.pop()
        self._kinds.pop()

    # --- tapes ----------------------------------------------------------------
    def visit_With(self, node: cst.With) -> None:
        self._order += 1
        for item in node.items:
            call = item.item
            if not isinstance(call, cst.Call):
                continue
            callee = dotted_name(call.func) or ""
            if callee.rsplit(".", 1)[-1] != "GradientTape":
                continue
            name = None
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                name = item.asname.name.value
            tape = Tape(self.facts, node=node, name=name, fn=self._fn, start=self._order)
            self._open_tapes.append(tape)
            self.facts.tapes.append(tape)

    def leave_With(self, original_node: cst.With) -> None:
        self._order += 1
        while self._open_tapes and self._open_tapes[-1].node is original_node:
            self._open_tapes.pop().end = self._order

    # --- facts ----------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self._order += 1
        self.facts.call_spans[id(node)] = (self._order, self._order)
        func = dotted_name(node.func) if isinstance(node.func, (cst.Name, cst.Attribute)) else None
        if (
            func is None
            and isinstance(node.func, cst.Attribute)
            and isinstance(node.func.value, cst.Call)
            and dotted_name(node.func.value.func) == "super"
        ):
            func = f"super().{node.func.attr.value}"
        args = [
            (a.keyword.value if a.keyword else None, dotted_name(a.value))
            for a in node.args
            if a.star == ""
        ]
        fact = CallFact(node, func, args, self._order)
        self._fn.calls.append(fact)
        for tape in self._open_tapes:
            tape.calls.append(fact)
        grad = self._gradient_step(node, func)
        if grad is not None:
            self.facts.grads.append(grad)

    def _gradient_step(self, node: cst.Call, func: str | None) -> Grad | None:
        if func is None or len(node.args) < 2:
            return None
        if func.endswith(".gradient"):
            target = keyword_arg(node, "sources") or node.args[1]
            return Grad(node, func[: -len(".gradient")], target.value, self._fn, self._order)
        if func.endswith(".minimize"):
            # ``optimizer.minimize(loss, var_list, tape=tape)`` (Keras 2 optimizers)
            tape = keyword_arg(node, "tape")
            target = keyword_arg(node, "var_list")
            if target is None and node.args[1].keyword is None and not node.args[1].star:
                target = node.args[1]
            if tape is not None and target is not None and isinstance(tape.value, cst.Name):
                return Grad(node, tape.value.value, target.value, self._fn, self._order)
        return None

    def leave_Call(self, original_node: cst.Call) -> None:
        start, _ = self.facts.call_spans[id(original_node)]
        self.facts.call_spans[id(original_node)] = (start, self._order)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value != "losses":
            return
        base = dotted_name(node.value)
        if base is None:
            return
        self._order += 1
        self._fn.losses.append((base, self._order))
        for tape in self._open_tapes:
            tape.losses.append((base, self._order))

    def visit_Arg(self, node: cst.Arg) -> None:
        if (
            node.keyword is not None
            and node.keyword.value.endswith("_regularizer")
            and not is_none(node.value)
        ):
            self._order += 1
            self.facts.reg_orders.append(self._order)
            for fn in self._fns:
                fn.regularized = True
            for cls in self._classes:
                cls.regularized = True

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assign(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assign(node.target, node.value)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        self._order += 1
        if isinstance(target, cst.Name):
            self._fn.assigns.setdefault(target.value, []).append((value, self._order))
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
            and self._fn.cls is not None
        ):
            self._fn.cls.attrs.setdefault(target.attr.value, []).append(value)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._fn.returns.append(node.value)
