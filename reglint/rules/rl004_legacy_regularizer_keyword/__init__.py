"""RL004 legacy-regularizer-keyword: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

import ast

from ...candidates import ModuleFacts, Options
from ...rule_info import RuleInfo
from ...triggers import Pattern


def legacy_keyword_calls(tree: ast.Module, f: ModuleFacts, options: Options) -> list[ast.Call]:
    """RL004: the calls passing a keyword ``l`` (the rule judges each one's callee)."""
    return [call for call in f.calls if any(k.arg == "l" for k in call.keywords)]


INFO = RuleInfo(
    code="RL004",
    name="legacy-regularizer-keyword",
    summary="`l2(l=...)` / `l1(l=...)`: the keyword Keras 3 removed",
    trigger=Pattern(r"l(?<!\wl)\s*=(?!=)"),
    fixable=True,
    candidates=legacy_keyword_calls,
)
