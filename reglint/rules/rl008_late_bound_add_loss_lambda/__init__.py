"""RL008 late-bound-add-loss-lambda: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

import ast

from ...candidates import ModuleFacts, Options
from ...rule_info import RuleInfo
from ...triggers import Literals


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


INFO = RuleInfo(
    code="RL008",
    name="late-bound-add-loss-lambda",
    summary="add_loss(lambda: ...) in a loop reads the loop variable late: one layer penalized",
    trigger=Literals("add_loss"),
    needs_keras=False,
    fixable=True,
    candidates=late_bound_add_loss,
)
