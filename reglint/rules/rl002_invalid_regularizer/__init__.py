"""RL002 invalid-regularizer: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

from ... import catalog
from ...candidates import regularizer_values
from ...rule_info import RuleInfo
from ...triggers import Pattern, Words

INFO = RuleInfo(
    code="RL002",
    name="invalid-regularizer",
    summary="a regularizer value or factor that Keras rejects or silently misreads",
    trigger=Words({*catalog.REGULARIZERS, *catalog.KERNEL_LAYERS})
    | Pattern(r"regulari[sz]er", literal="regulari"),
    fixable=True,
    candidates=regularizer_values,
)
