"""RL001 missing-kernel-regularizer: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

import ast

from ... import catalog
from ...candidates import ModuleFacts, Options, has_star, passed
from ...rule_info import RuleInfo
from ...triggers import Words


def missing_kernel_regularizer(
    tree: ast.Module, f: ModuleFacts, options: Options
) -> list[ast.Call]:
    """RL001: the catalog layer calls that may lack a required regularizer argument."""
    sites = []
    for call in f.calls:
        found = f.callee_names(call)
        if found is None:
            continue
        names, aliased = found
        layers = [n for n in names if n in catalog.KERNEL_LAYERS]
        if not layers:
            continue
        if aliased:
            sites.append(call)
            continue
        if has_star(call):
            continue
        for layer in layers:
            spec = catalog.KERNEL_LAYERS[layer]
            required = {*spec.kernel_args, *spec.required_args(True)}
            if not all(passed(call, spec, arg) for arg in required):
                sites.append(call)
                break
    return sites


INFO = RuleInfo(
    code="RL001",
    name="missing-kernel-regularizer",
    summary="Keras layer built without a regularizer on its kernel-type weight",
    trigger=Words(catalog.KERNEL_LAYERS),
    fixable=True,
    candidates=missing_kernel_regularizer,
    option_names=("require-recurrent",),
)
