"""RL000 syntax-error: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

from ...rule_info import RuleInfo
from ...triggers import Never

INFO = RuleInfo(
    code="RL000",
    name="syntax-error",
    summary="the file cannot be parsed; the other files are still linted",
    trigger=Never(),
    needs_keras=False,
)
