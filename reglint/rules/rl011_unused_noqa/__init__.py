"""RL011 unused-noqa: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

from ...rule_info import RuleInfo
from ...triggers import Never

INFO = RuleInfo(
    code="RL011",
    name="unused-noqa",
    summary="a `# noqa: RLnnn` directive that suppresses nothing",
    trigger=Never(),
    needs_keras=False,
    default_enabled=False,
    fixable=True,
)
