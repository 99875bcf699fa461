"""RL004 legacy-regularizer-keyword: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

import re

from ...rule_info import RuleInfo

INFO = RuleInfo(
    code="RL004",
    name="legacy-regularizer-keyword",
    summary="`l2(l=...)` / `l1(l=...)`: the keyword Keras 3 removed",
    trigger=re.compile(r"l(?<!\wl)\s*=(?!=)"),
    fixable=True,
)
