"""RL006's decision, taken once a module's facts are complete: for each
gradient step, the Keras models whose variables it trains and whose ``.losses``
never reach the loss inside the tape."""

from __future__ import annotations

import os
from dataclasses import dataclass

import libcst as cst

from ...names import dotted_name
from .._calls import is_none, keyword_arg
from . import messages
from .facts import Build, CallFact, Fn, Grad, ModuleFacts, Tape
from .losses import Losses, covers
from .models import Models, argument_for, enclosing_class
from .project import Project


@dataclass
class _Trained:
    """A model whose variables a gradient step takes: ``shown`` as the finding
    names it, ``inner`` as the tape's code names it, ``scope`` where ``shown`` is bound."""

    shown: str
    inner: str
    scope: Fn


class Analyzer(Losses, Models):
    def __init__(self, facts: ModuleFacts, project: Project | None) -> None:
        self.facts = facts
        self.project = project

    def findings(self) -> list[tuple[cst.CSTNode, str]]:
        out: list[tuple[cst.CSTNode, str]] = []
        reported: set[int] = set()
        for grad in self.facts.grads:
            tape = tape_of(grad)
            if tape is None:
                continue
            params: list[str] = []
            models = self.models_in(grad.target, grad.fn, params)
            trained = [_Trained(m, m, grad.fn) for m in models]
            for call, scope in self.calls_of(grad.fn) if params else ():
                trained += self._passed_in(call, scope, grad.fn, params, same_module=True)
            found = self._verdict(grad, tape, trained)
            if found is not None and id(found[0]) not in reported:
                reported.add(id(found[0]))
                out.append(found)
        if self.project is not None:
            out += self._steps_in_other_modules()
        return out

    def _passed_in(
        self, call: cst.Call, scope: Fn, fn: Fn, params: list[str], same_module: bool
    ) -> list[_Trained]:
        """The models whose variables ``call`` passes as ``fn``'s ``params``, named
        as ``fn``'s tape names them: the parameter the call passes the model
        itself to, or (same module) the global or ``self`` attribute it names."""
        trained = []
        for param in params:
            expr = argument_for(call, fn, param)
            for model in self.models_in(expr, scope) if expr is not None else ():
                inner = self._inner_name(call, fn, model, scope, same_module)
                if inner is not None:
                    trained.append(_Trained(model, inner, scope))
        return trained

    def _inner_name(
        self, call: cst.Call, fn: Fn, model: str, scope: Fn, same_module: bool
    ) -> str | None:
        for param in fn.params:
            expr = argument_for(call, fn, param)
            if expr is not None and dotted_name(expr) == model:
                return param
        if not same_module or model.split(".")[0] in fn.params:
            return None
        if model.startswith("self."):
            return model if fn.cls is not None and enclosing_class(scope) is fn.cls else None
        return model if "." not in model and model not in fn.assigns else None

    def _steps_in_other_modules(self) -> list[tuple[cst.CSTNode, str]]:
        """Calls of a project function of another module that takes the gradient
        for variables passed in: the finding sits at the call."""
        out = []
        for scope in (self.facts.top, *self.facts.fns):
            for call in scope.calls:
                if call.func is None:
                    continue
                if not any(self.models_in(a.value, scope) for a in call.node.args):
                    continue
                fn = self._project_function(call, scope)
                if fn is None:
                    continue
                for grad in fn.module.grads:
                    tape = tape_of(grad)
                    params: list[str] = []
                    if grad.fn is not fn or tape is None:
                        continue
                    self.models_in(grad.target, fn, params)
                    trained = self._passed_in(call.node, scope, fn, params, same_module=False)
                    where = f" by `{fn.name}` ({_shown_path(fn.module, self.facts)}:"
                    where += f"{fn.module.line_of(grad.node)})"
                    found = self._verdict(grad, tape, trained, call.node, where)
                    if found is not None:
                        out.append(found)
                        break
        return out

    def _project_function(self, call: CallFact, scope: Fn) -> Fn | None:
        assert call.func is not None and self.project is not None
        if self.facts.function(call.func) is not None or call.func.startswith("self."):
            return None
        return self.project.function(self.facts, call.func)

    def _verdict(
        self,
        grad: Grad,
        tape: Tape,
        trained: list[_Trained],
        site: cst.CSTNode | None = None,
        where: str = "",
    ) -> tuple[cst.CSTNode, str] | None:
        cls = enclosing_class(tape.fn)
        dropped: list[tuple[_Trained, Build | None]] = []
        for model in trained:
            if any(d.shown == model.shown for d, _ in dropped):
                continue
            known = self.model(model.shown, model.scope, tape, model.inner)
            if known is None or not self.used(model.inner, tape, cls):
                continue
            if not self.reaches(model.inner, tape, cls):
                dropped.append((model, known[1]))
        if not dropped:
            return None
        what = self._what(dropped, tape.module)
        node = site or grad.node
        for model, _ in dropped:
            if self._read_before(model.inner, grad, tape):
                return node, messages.read_before_tape(model.shown, what)
        if site is None and len(dropped) == 1 and dropped[0][0].inner == "self":
            loss_call = _loss_call(tape)
            if loss_call is not None:
                fact, fix = loss_call
                return fact.node, messages.loss_call(fact.func or "", fix, what)
        return node, messages.dropped([m.shown for m, _ in dropped], what, where)

    def _what(self, dropped: list[tuple[_Trained, Build | None]], module: ModuleFacts) -> str:
        for _, build in dropped:
            if build is not None and build.regularized:
                line = build.module.line_of(build.node)
                if build.module is not self.facts:
                    return messages.regularized(
                        f"line {line} of `{_shown_path(build.module, self.facts)}`"
                    )
                return messages.regularized(f"line {line}")
        if any(build is None for _, build in dropped) and module.reg_orders:
            return messages.REGULARIZER_IN_MODULE
        return messages.NO_REGULARIZER

    @staticmethod
    def _read_before(model: str, grad: Grad, tape: Tape) -> bool:
        return any(
            covers(b, model)
            and o < tape.start
            and not any(t.start <= o <= t.end for t in tape.module.tapes)
            for b, o in grad.fn.losses
        )


def tape_of(grad: Grad) -> Tape | None:
    """The latest tape of that name opened in the same function before the call."""
    found = None
    for tape in grad.fn.module.tapes:
        if tape.name == grad.tape and tape.fn is grad.fn and tape.start < grad.order:
            found = tape
    return found


def _loss_call(tape: Tape) -> tuple[CallFact, str] | None:
    for call in tape.calls:
        if call.func == "self.compiled_loss":
            reg = keyword_arg(call.node, "regularization_losses")
            if reg is None or is_none(reg.value):
                return call, messages.COMPILED_LOSS_FIX
        elif call.func == "self.loss":
            return call, messages.SELF_LOSS_FIX
    return None


def _shown_path(module: ModuleFacts, here: ModuleFacts) -> str:
    try:
        return os.path.relpath(module.path, os.path.dirname(os.path.abspath(here.path)))
    except ValueError:
        return module.path
