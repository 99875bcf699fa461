"""RL007 regularizer-argument-not-accepted: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

import ast

from ... import catalog
from ...candidates import ModuleFacts, Options
from ...rule_info import RuleInfo
from ...triggers import Literals


def regularizer_keyword_not_accepted(tree: ast.Module, f: ModuleFacts, options: Options) -> bool:
    """RL007: a layer call with a ``regul`` keyword the layer does not accept."""
    for call in f.calls:
        keywords = [
            k.arg
            for k in call.keywords
            if k.arg is not None and catalog.is_regularizer_keyword(k.arg)
        ]
        if not keywords:
            continue
        found = f.callee_names(call)
        if found is None:
            continue
        names, _ = found
        for name in names:
            if name not in catalog.ALL_LAYERS:
                continue
            accepted = catalog.accepted_regularizer_args(name)
            if accepted is not None and any(k not in accepted for k in keywords):
                return True
    return False


INFO = RuleInfo(
    code="RL007",
    name="regularizer-argument-not-accepted",
    summary="a `*_regularizer` keyword (or a misspelling) that the layer does not take",
    trigger=Literals(catalog.REGULARIZER_KEYWORD_STEM, ignore_case=True),
    fixable=True,
    candidates=regularizer_keyword_not_accepted,
)
