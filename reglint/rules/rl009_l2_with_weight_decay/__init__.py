"""RL009 l2-with-weight-decay: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

from ...rule_info import RuleInfo
from ...triggers import Literals

INFO = RuleInfo(
    code="RL009",
    name="l2-with-weight-decay",
    summary="L2 regularization and optimizer weight decay on the same weights",
    trigger=Literals("weight_decay", "AdamW", "Adamw", "adamW", "adamw"),
    default_enabled=False,
)
