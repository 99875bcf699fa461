"""RL002 invalid-regularizer: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

from ...candidates import LAYER_OR_REGULARIZER_WORDS, regularizer_values
from ...rule_info import RuleInfo
from ...triggers import Pattern

INFO = RuleInfo(
    code="RL002",
    name="invalid-regularizer",
    summary="a regularizer value or factor that Keras rejects or silently misreads",
    trigger=LAYER_OR_REGULARIZER_WORDS | Pattern(r"regulari[sz]er", literal="regulari"),
    fixable=True,
    candidates=regularizer_values,
)
