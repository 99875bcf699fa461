"""RL004 legacy-regularizer-keyword: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

from ...rule_info import RuleInfo
from ...triggers import Pattern

INFO = RuleInfo(
    code="RL004",
    name="legacy-regularizer-keyword",
    summary="`l2(l=...)` / `l1(l=...)`: the keyword Keras 3 removed",
    trigger=Pattern(r"l(?<!\wl)\s*=(?!=)"),
    fixable=True,
)
