"""RL005 regularizer-set-after-build: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

import ast

from ... import catalog
from ...candidates import ModuleFacts, Options
from ...rule_info import RuleInfo
from ...triggers import Literals

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


INFO = RuleInfo(
    code="RL005",
    name="regularizer-set-after-build",
    summary="weight regularizer assigned to an existing layer: no effect on its built weights",
    trigger=Literals("_regularizer"),
    needs_keras=False,
    candidates=regularizer_set_after_build,
)
