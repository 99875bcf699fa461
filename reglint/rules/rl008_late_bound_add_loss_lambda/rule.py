"""The libcst check of RL008 and its examples (the package says what the rule is)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from ...rule import Invalid, Rule, Valid
from . import INFO


class _Names(cst.CSTVisitor):
    """Names a lambda body reads (attribute and keyword names excluded), in order."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in self.names:
            self.names.append(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        inner = _Names()
        node.body.visit(inner)
        own = _param_names(node.params)
        for name in inner.names:
            if name not in own and name not in self.names:
                self.names.append(name)
        return False


def _param_names(params: cst.Parameters) -> set[str]:
    out = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            out.add(star.name.value)
    return out


def _bound_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _bound_names(e.value)]
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    return []


@dataclass
class _Loop:
    bound: set[str] = field(default_factory=set)
    pending: list[tuple[cst.Lambda, list[str]]] = field(default_factory=list)


class LateBoundAddLossLambda(Rule):
    info = INFO

    VALID: ClassVar[Sequence[Valid]] = [
        Valid(
            "for layer in model.layers:\n"
            "    model.add_loss(lambda layer=layer: 1e-4 * tf.reduce_sum(layer.kernel ** 2))\n"
        ),
        Valid("model.add_loss(lambda: 1e-4 * tf.reduce_sum(dense.kernel ** 2))\n"),
        Valid(
            "for layer in model.layers:\n    model.add_loss(functools.partial(penalty, layer))\n"
        ),
        Valid(
            "for layer in model.layers:\n"
            "    layer.add_loss(1e-4 * tf.reduce_sum(layer.kernel ** 2))\n"
        ),
        Valid(
            "for i in range(3):\n"
            "    model.add_loss(lambda: 1e-4 * tf.reduce_sum(encoder.kernel ** 2))\n"
        ),
        Valid(
            "for layer in model.layers:\n"
            "    def penalty():\n"
            "        model.add_loss(lambda: tf.reduce_sum(w))\n"
        ),
        Valid(
            "for layer in layers:\n"
            "    model.add_loss(lambda: tf.reduce_sum(layer.kernel))  # noqa: RL008\n"
        ),
    ]
    INVALID: ClassVar[Sequence[Invalid]] = [
        Invalid(
            "for layer in model.layers:\n"
            "    model.add_loss(lambda: 1e-4 * tf.reduce_sum(layer.kernel ** 2))\n",
            at=["2:20"],
            message="`layer`",
            expected_fix="for layer in model.layers:\n"
            "    model.add_loss(lambda layer=layer: 1e-4 * tf.reduce_sum(layer.kernel ** 2))\n",
        ),
        Invalid(
            "[m.add_loss(lambda: reg(l.kernel)) for l in m.layers if l.trainable]\n",
            at=["1:13"],
            expected_fix="[m.add_loss(lambda l=l: reg(l.kernel)) for l in m.layers"
            " if l.trainable]\n",
        ),
        Invalid(
            "for i, layer in enumerate(layers):\n"
            "    if i % 2:\n"
            "        model.add_loss(lambda: scale[i] * tf.reduce_sum(layer.kernel))\n",
            at=["3:24"],
            message="`i`, `layer`",
        ),
        Invalid(
            "i = 0\n"
            "while i < n:\n"
            "    w = weights[i]\n"
            "    model.add_loss(lambda: tf.reduce_sum(w ** 2))\n"
            "    i += 1\n",
            at=["4:20"],
            message="`w`",
        ),
        Invalid(
            "for block in blocks:\n"
            "    for layer in block.layers:\n"
            "        block.add_loss(lambda: tf.reduce_sum(block.scale * layer.kernel))\n",
            at=["3:24"],
            message="`block`, `layer`",
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        # One stack of loops per function: a ``def`` starts a fresh frame.
        self._frames: list[list[_Loop]] = [[]]

    @property
    def _loops(self) -> list[_Loop]:
        return self._frames[-1]

    def _bind(self, names: list[str]) -> None:
        for loop in self._loops:
            loop.bound.update(names)

    # --- function boundaries ---------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._frames.append([])

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._frames.pop()

    # --- loops -----------------------------------------------------------------
    def visit_For(self, node: cst.For) -> None:
        self._loops.append(_Loop())
        self._bind(_bound_names(node.target))

    def leave_For(self, original_node: cst.For) -> None:
        self._leave_loop()

    def visit_While(self, node: cst.While) -> None:
        self._loops.append(_Loop())

    def leave_While(self, original_node: cst.While) -> None:
        self._leave_loop()

    def _visit_comp(self, node) -> None:
        self._loops.append(_Loop())
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            self._bind(_bound_names(comp.target))
            comp = comp.inner_for_in

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._visit_comp(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._leave_loop()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._visit_comp(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._leave_loop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._visit_comp(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._leave_loop()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._visit_comp(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._leave_loop()

    # --- names rebound inside a loop --------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        if self._loops:
            self._bind([n for t in node.targets for n in _bound_names(t.target)])

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self._loops:
            self._bind(_bound_names(node.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._loops and node.value is not None:
            self._bind(_bound_names(node.target))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self._loops:
            self._bind(_bound_names(node.target))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if self._loops and node.asname is not None:
            self._bind(_bound_names(node.asname.name))

    # --- the add_loss lambdas -------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if not self._loops:
            return
        func = node.func
        name = (
            func.attr.value
            if isinstance(func, cst.Attribute)
            else (func.value if isinstance(func, cst.Name) else None)
        )
        if name != "add_loss" or not node.args:
            return
        value = node.args[0].value
        if not isinstance(value, cst.Lambda):
            return
        reader = _Names()
        value.body.visit(reader)
        params = _param_names(value.params)
        names = [n for n in reader.names if n not in params]
        if names:
            self._loops[-1].pending.append((value, names))

    def _leave_loop(self) -> None:
        loop = self._loops.pop()
        bound = set(loop.bound).union(*(outer.bound for outer in self._loops))
        for lam, names in loop.pending:
            late = [n for n in names if n in bound]
            if late:
                self._report(lam, late)
            elif self._loops:
                self._loops[-1].pending.append((lam, names))

    def _report(self, lam: cst.Lambda, late: list[str]) -> None:
        shown = ", ".join(f"`{n}`" for n in late)
        binding = ", ".join(f"{n}={n}" for n in late)
        message = (
            f"the lambda passed to `add_loss` reads {shown} when Keras evaluates it, "
            "after the loop has moved on: every penalty uses the last value; "
            f"bind it as a default (`lambda {binding}: ...`)"
        )
        params = lam.params
        if (
            isinstance(params.star_arg, (cst.Param, cst.ParamStar))
            or params.kwonly_params
            or params.star_kwarg is not None
            or params.posonly_params
        ):
            self.report(lam, message)
            return
        defaults = [
            cst.Param(
                cst.Name(n),
                default=cst.Name(n),
                equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
            )
            for n in late
        ]
        existing = list(params.params)
        if existing:
            existing[-1] = existing[-1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        new_params = [*existing]
        for i, param in enumerate(defaults):
            if i < len(defaults) - 1:
                param = param.with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
            new_params.append(param)
        fixed = lam.with_changes(
            params=params.with_changes(params=new_params),
            whitespace_after_lambda=cst.SimpleWhitespace(" "),
        )
        # Unsafe: each penalty then reads its own layer, so the model trains differently.
        self.report(
            lam,
            message,
            replacement=fixed,
            fix_message=f"bind {shown} as default arguments",
            unsafe=True,
        )
