"""RL003 ineffective-regularization-factor: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

from ... import catalog
from ...candidates import regularizer_values
from ...rule_info import RuleInfo
from ...triggers import Words

INFO = RuleInfo(
    code="RL003",
    name="ineffective-regularization-factor",
    summary="a regularizer whose penalty is zero or negative (or outside the configured range)",
    trigger=Words({*catalog.REGULARIZERS, *catalog.ZERO_STRING_IDENTIFIERS}),
    candidates=regularizer_values,
    option_names=("factor-min", "factor-max"),
)
