"""RL002 invalid-regularizer: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

import re

from ... import catalog
from ...candidates import regularizer_values
from ...rule_info import RuleInfo, any_word

INFO = RuleInfo(
    code="RL002",
    name="invalid-regularizer",
    summary="a regularizer value or factor that Keras rejects or silently misreads",
    trigger=re.compile(
        any_word({*catalog.REGULARIZERS, *catalog.KERNEL_LAYERS}, also=r"regulari[sz]er\w*")
    ),
    fixable=True,
    candidates=regularizer_values,
)
