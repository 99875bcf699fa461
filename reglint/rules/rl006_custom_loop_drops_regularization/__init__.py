"""RL006 custom-loop-drops-regularization: a custom training step whose loss never
receives ``model.losses``; what the rule is, without libcst.

Facts are collected during the engine's one traversal (:mod:`.collect`); the
decision is taken in ``leave_Module``, when every helper, class and model
construction of the module is known (:mod:`.analysis`). With cross-call
analysis (on unless ``cross-calls = false``), helpers, classes and factories
imported from other modules of the project are followed too (:mod:`.project`).
See ``rules/RL006.md`` for the heuristic. The check and its examples are in
:mod:`.rule`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Container

from ...candidates import ModuleFacts, Options, iter_nodes
from ...rule_info import RuleInfo
from ...triggers import Literals

_VARIABLES = frozenset({"trainable_variables", "trainable_weights", "variables", "weights"})
#: An attribute of :data:`_VARIABLES` as written: a dot, then (past spaces, line
#: continuations and, inside brackets, comments) the name.
_VARIABLES_TEXT = re.compile(
    r"\.(?:\s|\\|#[^\n]*)*(?:trainable_variables|trainable_weights|variables|weights)\b"
)


def gradient_calls(tree: ast.Module, f: ModuleFacts, options: Options) -> bool:
    """RL006: a ``<tape>.gradient(target, sources)`` or ``<optimizer>.minimize(loss,
    var_list, tape=...)`` call whose arguments may name a model's variables
    (``m.trainable_variables``, in a list, a sum, ``list(...)``, a name assigned
    such a value, three steps deep as the rule follows them, or a parameter of a
    function: variables passed in); with cross-call analysis, also a call of an imported
    name given such variables (its gradient is taken in another module). The
    rule reports only where it finds one. Each way needs a model's variables
    named somewhere in the module (an attribute such as ``.trainable_variables``):
    without one, nothing else is looked at."""
    if f.source is not None and not _VARIABLES_TEXT.search(f.source):
        return False  # a cheaper test of the text first: ``.`` then the attribute
    if not any(isinstance(n, ast.Attribute) and n.attr in _VARIABLES for n in iter_nodes(tree)):
        return False
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
        if options.get("cross-calls")
        else set()
    )
    for call in f.calls:
        func = call.func
        arguments = [*call.args, *(k.value for k in call.keywords)]
        stepping = isinstance(func, ast.Attribute) and func.attr in ("gradient", "minimize")
        if stepping and len(arguments) >= 2:
            if any(_may_name_variables(a, values, 0, ()) for a in arguments):
                return True
            # Variables passed in (the module names a model's variables, above:
            # a call passing them is where the rule reports).
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


INFO = RuleInfo(
    code="RL006",
    name="custom-loop-drops-regularization",
    summary="custom training step whose loss never receives the model's regularization losses",
    trigger=Literals(
        "GradientTape", "train_step", "compiled_loss", "trainable_variables", "trainable_weights"
    ),
    # A module that imports its model from another one need not mention Keras;
    # an unseen model counts only in one that does (:mod:`.models`).
    needs_keras=False,
    candidates=gradient_calls,
)
